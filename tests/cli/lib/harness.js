'use strict'
// Shared pieces of the CLI conformance suite: start the real contentstack-mock binary with
// its HTTPS listener (through the test kit, tests/lib/mock.js), talk to it over plain HTTP
// for setup and checks, and run the real `csdx` in an isolated home so that nothing it
// writes or asks leaves a temporary folder.

const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const shared = require('../../lib/mock')

const CSDX = path.resolve(__dirname, '..', 'node_modules', '@contentstack', 'cli', 'bin', 'run.js')
const CLI_VERSION = require('../node_modules/@contentstack/cli/package.json').version
const DNS_PRELOAD = path.resolve(__dirname, 'mock-dns.cjs')
// The CLI's SSRF check refuses IPs and `localhost`; lib/mock-dns.cjs resolves this name.
const HOST = 'cma.mock'

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex')

/**
 * Starts the binary (tests/lib/mock.js, the test kit) with an HTTP listener on a free port
 * and an HTTPS listener on `tlsListen` (default a free port), a self-signed certificate that
 * also names `cma.mock`. `dataDir` keeps the data (and the certificate) for a restart;
 * without it `--ephemeral`. Resolves to { port, tlsPort, base, certPath, stop() }.
 */
function startMock ({ dataDir, tlsListen = '127.0.0.1:0', seed, extraArgs = [] } = {}) {
  const args = ['--tls-san', HOST, ...(seed ? ['--seed', seed] : []), ...extraArgs]
  return shared.startServer({ dataDir, tlsListen, args })
}

/** Whether this process may listen on 127.0.0.1:port (443 needs root or CAP_NET_BIND_SERVICE). */
function canListen (port) {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', (err) => resolve({ ok: false, reason: `${err.code}: ${err.message}` }))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve({ ok: true })))
  })
}

/** A plain HTTP call to the mock (control API, setup and checks). */
async function api (mock, method, urlPath, { json, form, stack, headers = {}, raw = false } = {}) {
  const h = { ...headers }
  if (stack && urlPath.startsWith('/v3')) {
    h.api_key = stack.api_key
    h.authorization = stack.management_token
  }
  let body
  if (json !== undefined) {
    h['content-type'] = 'application/json'
    body = JSON.stringify(json)
  } else if (form) {
    body = form
  }
  const res = await fetch(mock.base + urlPath, { method, headers: h, body })
  if (raw) return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
  const text = await res.text()
  let data
  try { data = text ? JSON.parse(text) : undefined } catch { data = text }
  return { status: res.status, headers: res.headers, data }
}

/** `api` that throws unless the status is the expected one; returns the JSON body. */
async function ok (mock, method, urlPath, opts = {}, want = [200, 201]) {
  const r = await api(mock, method, urlPath, opts)
  const wanted = [].concat(want)
  if (!wanted.includes(r.status)) {
    throw new Error(`${method} ${urlPath}: HTTP ${r.status}, wanted ${wanted.join('/')}: ${JSON.stringify(r.data)}`)
  }
  return r.data
}

async function createStack (mock, name) {
  const r = await ok(mock, 'POST', '/_mock/stacks', { json: { name } }, 201)
  return r.stack
}

async function createFolder (mock, stack, name, parentUid) {
  const asset = { name }
  if (parentUid) asset.parent_uid = parentUid
  return (await ok(mock, 'POST', '/v3/assets/folders', { stack, json: { asset } }, 201)).asset
}

async function uploadAsset (mock, stack, { filename, contentType, bytes, title, description, tags, parentUid }) {
  const form = new FormData()
  form.append('asset[upload]', new Blob([bytes], { type: contentType }), filename)
  if (title) form.append('asset[title]', title)
  if (description) form.append('asset[description]', description)
  if (parentUid) form.append('asset[parent_uid]', parentUid)
  if (tags) form.append('asset[tags]', tags.join(','))
  return (await ok(mock, 'POST', '/v3/assets', { stack, form }, 201)).asset
}

/** Every asset (not folder) of a stack, with publish details, sorted by title. */
async function listAssets (mock, stack) {
  const out = []
  for (let skip = 0; ; skip += 100) {
    const r = await ok(mock, 'GET', `/v3/assets?include_publish_details=true&include_count=true&limit=100&skip=${skip}`, { stack })
    out.push(...r.assets)
    if (r.assets.length < 100) break
  }
  return out.sort((a, b) => a.title.localeCompare(b.title))
}

/** Every folder of a stack, sorted by name. */
async function listFolders (mock, stack) {
  const q = encodeURIComponent(JSON.stringify({ is_dir: true }))
  const r = await ok(mock, 'GET', `/v3/assets?query=${q}&include_count=true&limit=100`, { stack })
  return r.assets.sort((a, b) => a.name.localeCompare(b.name))
}

/** The bytes behind an asset's `url` (fetched over the HTTP listener, whatever host the url names). */
async function fileBytes (mock, asset) {
  const u = new URL(asset.url)
  const r = await api(mock, 'GET', u.pathname, { raw: true })
  if (r.status !== 200) throw new Error(`GET ${asset.url}: HTTP ${r.status}`)
  return r.bytes
}

/** A folder path of names from the root, e.g. "Marketing/Banners", for comparing trees across stacks. */
function folderPaths (folders) {
  const byUid = new Map(folders.map((f) => [f.uid, f]))
  const pathOf = (uid) => {
    const parts = []
    for (let f = byUid.get(uid); f; f = f.parent_uid ? byUid.get(f.parent_uid) : null) parts.unshift(f.name)
    return parts.join('/')
  }
  return { pathOf, all: folders.map((f) => pathOf(f.uid)).sort() }
}

// ---------------------------------------------------------------------------------------
// csdx

/**
 * An isolated CLI home: HOME, XDG dirs, CS_CLI_CONFIG_PATH, CS_CLI_LOG_PATH and a working dir
 * (import writes `_backup_*` and `logs/` into its working directory) under one temp folder.
 * The config is plain JSON (ENCRYPT_CONF=false) and seeded so the CLI neither asks npm for
 * a newer version nor prints its first-run rate-limit notice. The seeded bulk limit (10 at
 * 100 %, what `csdx config:set:rate-limit` would write for a bigger plan) lets a bulk publish
 * send the whole stack in one request; the CLI's own default is one asset per request.
 */
function cliHome (root) {
  const dirs = {
    root,
    home: path.join(root, 'home'),
    config: path.join(root, 'config'),
    logs: path.join(root, 'logs'),
    work: path.join(root, 'work')
  }
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true })
  const now = Date.now()
  const seeded = {
    isOldConfigBackup: true,
    CLI_VERSION,
    versionUpgradeWarningFrequency: { versionSyncDuration: 365 * 24 * 60 * 60 * 1000 },
    versionUpgradeWarningCache: { lastChecked: now, lastWarnedDate: new Date(now).toISOString().slice(0, 10), latestVersion: CLI_VERSION },
    rateLimit: { default: { getLimit: { value: 10, utilize: 50 }, limit: { value: 10, utilize: 50 }, bulkLimit: { value: 10, utilize: 100 } } }
  }
  fs.writeFileSync(path.join(dirs.config, 'contentstack_cli.json'), JSON.stringify(seeded, null, 2))
  return dirs
}

/** The CA bundle the CLI trusts: the machine's NODE_EXTRA_CA_CERTS (if any) plus the mock's certificate. */
function caBundle (dir, certPath) {
  const parts = []
  const existing = process.env.NODE_EXTRA_CA_CERTS
  if (existing && fs.existsSync(existing)) parts.push(fs.readFileSync(existing, 'utf8').trimEnd() + '\n')
  parts.push(fs.readFileSync(certPath, 'utf8'))
  const file = path.join(dir, 'ca-bundle.pem')
  fs.writeFileSync(file, parts.join(''))
  return file
}

function cliEnv (dirs, bundle) {
  const env = { ...process.env }
  // The CLI sends its API calls through a proxy when one is configured: never for the mock.
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) delete env[k]
  Object.assign(env, {
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    CS_CLI_CONFIG_PATH: dirs.config,
    CS_CLI_LOG_PATH: dirs.logs,
    ENCRYPT_CONF: 'false',
    NO_PROXY: `${HOST},localhost,127.0.0.1`,
    NODE_EXTRA_CA_CERTS: bundle,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ? process.env.NODE_OPTIONS + ' ' : ''}--require ${DNS_PRELOAD}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: 'true'
  })
  return env
}

// Lines by which the CLI reports a failure, also when it exits 0 (it does for a failed token
// validation, an export or import that stops at its first failed request, and failed
// publishes). Each comes from the CLI's own messages.
const FAILURE_PATTERNS = [
  /\bAPI Error\b/i,
  /\bFailed to\b/i,
  /\bfailed\b/i,
  /\bError:/,
  /\berror\b/i,
  /\bUnhandled\b/i,
  /\bException\b/i,
  /\bnot allowed\b/i,
  /\bSSRF\b/,
  /\bECONN\w+|\bEPROTO\b|\bENOTFOUND\b|\bCERT_\w+|self[- ]signed/i
]
// Lines that contain those words without reporting a failure.
const BENIGN = [
  /^\s*$/
]

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g

function failureLines (output) {
  return output.split('\n').filter((line) =>
    FAILURE_PATTERNS.some((re) => re.test(line)) && !BENIGN.some((re) => re.test(line)))
}

const timings = []

/** Sizes of the CLI's error logs: CS_CLI_LOG_PATH/<day>/<session>/error.log and the bulk-publish
 * logs `contentstack-cli-logs/.../*.error` in the working directory. */
function errorLogs (dirs) {
  const out = new Map()
  const scan = (dir) => {
    if (!fs.existsSync(dir)) return
    for (const rel of walk(dir)) {
      if (rel.endsWith('error.log') || rel.endsWith('.error')) out.set(path.join(dir, rel), fs.statSync(path.join(dir, rel)).size)
    }
  }
  scan(dirs.logs)
  scan(path.join(dirs.work, 'contentstack-cli-logs'))
  return out
}

/** What the CLI wrote to its error logs since `before` (a result of errorLogs). */
function newErrorLogText (dirs, before) {
  const parts = []
  for (const [file, size] of errorLogs(dirs)) {
    const old = before.get(file) || 0
    if (size > old) {
      const fd = fs.openSync(file, 'r')
      const buf = Buffer.alloc(Math.min(size - old, 4000))
      fs.readSync(fd, buf, 0, buf.length, old)
      fs.closeSync(fd)
      parts.push(`${path.relative(dirs.root, file)}:\n${buf.toString('utf8')}`)
    }
  }
  return parts.join('\n')
}

/**
 * Runs `csdx ...args` and resolves to { code, out, ms }. Throws, with the whole output,
 * when it exits non-zero, prints a failure line (unless `allowFailureLines` is given, a
 * list of regexps that the failure lines must all match) or writes to its error logs.
 */
function csdx (cli, args, { allowFailureLines = [], timeoutMs = 120000 } = {}) {
  const started = Date.now()
  const logsBefore = errorLogs(cli.dirs)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CSDX, ...args], {
      cwd: cli.dirs.work,
      env: cli.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      out = out.replace(ANSI, '')
      const ms = Date.now() - started
      const shown = `csdx ${args.join(' ')}`
      timings.push({ command: shown, ms })
      fs.appendFileSync(path.join(cli.dirs.root, 'csdx-output.log'), `\n$ ${shown}  (exit ${code}${signal ? ' ' + signal : ''}, ${ms} ms)\n${out}`)
      const bad = failureLines(out).filter((l) => !allowFailureLines.some((re) => re.test(l)))
      const logged = newErrorLogText(cli.dirs, logsBefore)
      if (code !== 0 || bad.length || logged) {
        const why = code !== 0
          ? `exited ${code}${signal ? ` (${signal})` : ''}`
          : bad.length
            ? `exited 0 but printed failure lines:\n  ${bad.join('\n  ')}`
            : 'exited 0 but wrote to its error logs'
        reject(new Error(`${shown} ${why}\n--- output ---\n${out}--- end ---${logged ? `\n--- error logs ---\n${logged}\n--- end ---` : ''}`))
        return
      }
      resolve({ code, out, ms })
    })
  })
}

/** A CLI bound to one mock: its own home, CA bundle and environment. */
function makeCli (root, mock) {
  const dirs = cliHome(root)
  const cli = { dirs }
  cli.trust = (m) => { cli.env = cliEnv(dirs, caBundle(dirs.root, m.certPath)) }
  cli.trust(mock)
  cli.run = (args, opts) => csdx(cli, args, opts)
  const configFile = path.join(dirs.config, 'contentstack_cli.json')
  cli.config = () => JSON.parse(fs.readFileSync(configFile, 'utf8'))
  /** Writes a management token alias into the config by hand, as auth:tokens:add stores it. */
  cli.addTokenByHand = (alias, stack) => {
    const c = cli.config()
    c.tokens = { ...(c.tokens || {}), [alias]: { token: stack.management_token, apiKey: stack.api_key, type: 'management' } }
    fs.writeFileSync(configFile, JSON.stringify(c, null, 2))
  }
  return cli
}

/** Every file under dir, relative paths, sorted. */
function walk (dir, base = dir) {
  const out = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p, base))
    else out.push(path.relative(base, p))
  }
  return out.sort()
}

/**
 * Reads a `csdx cm:stacks:export` folder's assets module: { folders, assets } where assets
 * are the records of every chunk file named in assets/assets.json (under main/ when the
 * export has branches).
 */
function readExport (exportRoot) {
  // A stack with branches is exported under <root>/<branch>: read `main`.
  const branchRoot = fs.existsSync(path.join(exportRoot, 'branches.json')) ? path.join(exportRoot, 'main') : exportRoot
  const dir = path.join(branchRoot, 'assets')
  const folderFile = path.join(dir, 'folders.json')
  const folders = fs.existsSync(folderFile) ? JSON.parse(fs.readFileSync(folderFile, 'utf8')) : []
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'assets.json'), 'utf8'))
  const assets = []
  for (const chunk of Object.values(index)) {
    assets.push(...Object.values(JSON.parse(fs.readFileSync(path.join(dir, chunk), 'utf8'))))
  }
  const fileOf = (a) => path.join(dir, 'files', a.uid, a.filename)
  return { dir, folders, assets, fileOf }
}

function printTimings () {
  if (!timings.length) return
  const lines = timings.map((t) => `  ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.command}`)
  const total = timings.reduce((s, t) => s + t.ms, 0)
  process.stderr.write(`\ncsdx timings (${timings.length} commands, ${(total / 1000).toFixed(1)} s):\n${lines.join('\n')}\n`)
}

module.exports = {
  BIN: shared.BIN,
  HOST,
  CLI_VERSION,
  sha256,
  startMock,
  canListen,
  api,
  ok,
  createStack,
  createFolder,
  uploadAsset,
  listAssets,
  listFolders,
  fileBytes,
  folderPaths,
  makeCli,
  failureLines,
  walk,
  readExport,
  printTimings
}
