// Checks README.md and docs/*.md against the tree they describe:
//   - every relative link (and image) points at a file that exists, and every `#anchor`
//     at a heading of its file (as GitHub names headings);
//   - the layout map in docs/development.md (the first block after "## The layout")
//     names only paths that exist, and names every top-level folder and file of the
//     repository (those git tracks, or those on disk outside a git checkout);
//   - docs/configuration.md names every `CSMOCK_` variable docker/compose.yaml shows;
//   - with `--ran FILE` (a list of `path:line` of the code blocks tests/readme ran), every
//     code block with a language is either in it or follows a `<!-- not run: why -->` line.
// Usage: node tests/readme/check_docs.mjs [--ran FILE]; exit 1 with every problem listed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs'))
  .filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)]
const problems = []

/** The lines of a Markdown file, each with whether it is inside a fenced code block. */
function lines (file) {
  let fenced = false
  return fs.readFileSync(path.join(root, file), 'utf8').split('\n').map((text, index) => {
    const fence = /^```/.test(text)
    if (fence) fenced = !fenced
    return { text, number: index + 1, code: fenced || fence, opens: fence && fenced }
  })
}

/** The anchors GitHub gives a file's headings: lowercase, punctuation dropped, spaces as `-`. */
function anchors (file) {
  const seen = new Map()
  const names = new Set()
  for (const { text, code } of lines(file)) {
    const heading = !code && /^#{1,6}\s+(.*)$/.exec(text)
    if (!heading) continue
    const base = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    names.add(count === 0 ? base : `${base}-${count}`)
  }
  return names
}

function checkLinks (file) {
  for (const { text, number, code } of lines(file)) {
    if (code) continue
    const prose = text.replace(/`[^`]*`/g, '')
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue
      const [link, anchor] = target.split('#')
      const resolved = link ? path.join(path.dirname(file), link) : file
      if (!fs.existsSync(path.join(root, resolved))) {
        problems.push(`${file}:${number}: the link ${target} names ${resolved}, which does not exist`)
      } else if (anchor !== undefined && !anchors(resolved).has(anchor)) {
        problems.push(`${file}:${number}: the link ${target}: ${resolved} has no heading #${anchor}`)
      }
    }
  }
}

/** The repository's top-level folders and files. */
function topLevel () {
  try {
    const tracked = execFileSync('git', ['-C', root, 'ls-files'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    const entries = tracked.split('\n').filter(Boolean)
    if (entries.length > 0) {
      return new Set(entries.map((entry) => entry.includes('/') ? `${entry.split('/')[0]}/` : entry))
    }
  } catch {}
  const untracked = new Set(['.git', 'target', 'data', 'node_modules'])
  return new Set(fs.readdirSync(root, { withFileTypes: true })
    .filter((entry) => !untracked.has(entry.name))
    .map((entry) => entry.isDirectory() ? `${entry.name}/` : entry.name))
}

function checkLayoutMap () {
  const file = 'docs/development.md'
  const all = lines(file)
  const start = all.findIndex(({ text }) => text === '## The layout')
  const open = all.findIndex(({ opens }, index) => index > start && opens)
  if (start < 0 || open < 0) {
    problems.push(`${file}: no layout map (a code block after "## The layout")`)
    return
  }
  const named = []
  for (const { text, number, code } of all.slice(open + 1)) {
    if (!code || /^```/.test(text)) break
    if (/^\s/.test(text) || text === '') continue
    for (const entry of /^[^\s,]+(?:, [^\s,]+)*/.exec(text)[0].split(', ')) {
      named.push(entry)
      if (!fs.existsSync(path.join(root, entry))) {
        problems.push(`${file}:${number}: the layout map names ${entry}, which does not exist`)
      }
    }
  }
  const firstParts = new Set(named.map((entry) => {
    const [first, ...rest] = entry.split('/')
    return rest.length > 0 ? `${first}/` : first
  }))
  for (const entry of topLevel()) {
    if (!firstParts.has(entry)) problems.push(`${file}: the layout map does not name the top-level ${entry}`)
  }
}

function checkVariables () {
  const shown = new Set(fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8').match(/CSMOCK_[A-Z0-9_]+/g))
  const documented = fs.readFileSync(path.join(root, 'docs/configuration.md'), 'utf8')
  for (const name of shown) {
    if (!new RegExp(`\\b${name}\\b`).test(documented)) {
      problems.push(`docs/configuration.md does not document ${name} (docker/compose.yaml shows it)`)
    }
  }
}

function checkSnippets (ranFile) {
  const ran = new Set(fs.readFileSync(ranFile, 'utf8').split('\n').filter(Boolean))
  let blocks = 0
  for (const file of docs) {
    const all = lines(file)
    all.forEach(({ text, number, opens }, index) => {
      if (!opens || text === '```') return
      blocks += 1
      const before = index > 0 ? all[index - 1].text : ''
      const key = `${file}:${number}`
      if (ran.has(key) && /^<!-- not run:/.test(before)) {
        problems.push(`${key}: this block is run, yet marked "not run"`)
      } else if (!ran.has(key) && !/^<!-- not run: .+ -->$/.test(before)) {
        problems.push(`${key}: this ${text.slice(3)} block is not run by tests/readme, nor marked <!-- not run: why -->`)
      }
    })
  }
  console.log(`    ${ran.size} of the ${blocks} code blocks with a language were run; the others are marked "not run"`)
}

docs.forEach(checkLinks)
checkLayoutMap()
checkVariables()
const ranAt = process.argv.indexOf('--ran')
if (ranAt > 0) checkSnippets(process.argv[ranAt + 1])
if (problems.length > 0) {
  for (const problem of problems) console.error(`docs check: ${problem}`)
  process.exit(1)
}
console.log(`    ${docs.length} files: links, anchors, the layout map and the CSMOCK_ variables agree with the tree`)
