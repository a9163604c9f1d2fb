// The npm packages as a user gets them: installed from the packed tarballs into a scratch
// project (tests/npm/run.sh), then used the way the README says: `start()` from a test,
// the official JS SDK against it, and the `contentstack-mock` command through npx.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dns from 'node:dns'

import { start, binaryPath, version } from 'contentstack-mock'

const require = createRequire(import.meta.url)
const contentstack = require('@contentstack/management')

// The SDK needs a hostname (not an IP or localhost) to keep clear of its retry trap:
// *.mock resolves to this machine here.
function lookup (host, options, callback) {
  if (typeof options === 'function') { callback = options; options = {} }
  if (!host.endsWith('.mock')) return dns.lookup(host, options, callback)
  return options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)
}

test('the package resolves the binary of this platform from its own package', () => {
  const path = binaryPath()
  assert.match(path, /node_modules\/@contentstack-mock\/linux-(x64|arm64)\/bin\/contentstack-mock$/)
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' })
  assert.equal(out.status, 0)
  assert.equal(out.stdout.trim(), `contentstack-mock ${version}`)
})

test('start() runs a mock on a free port that the official SDK uploads to and reads back', async (t) => {
  const mock = await start()
  t.after(() => mock.stop())
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.ok(mock.port > 0)
  assert.equal(mock.apiKey, 'blt0000000000000001')
  assert.equal(mock.managementToken, 'cs00000000000000000000000000000001')

  const client = contentstack.client({ host: 'cma.mock', port: mock.port, insecure: true, lookup })
  const stack = client.stack({ api_key: mock.apiKey, management_token: mock.managementToken })
  const dir = mkdtempSync(join(tmpdir(), 'csmock-npm-'))
  const file = join(dir, 'logo.png')
  const bytes = Buffer.from(`a file uploaded through the npm package at ${Date.now()}`)
  writeFileSync(file, bytes)
  const asset = await stack.asset().create({ upload: file, title: 'Logo', tags: ['brand'] })
  assert.equal(asset.title, 'Logo')
  const { items, count } = await stack.asset().query({ include_count: true }).find()
  assert.equal(count, 1)
  assert.equal(items[0].uid, asset.uid)

  // The url names the address the SDK used, so it downloads from here.
  assert.ok(asset.url.startsWith(`http://cma.mock:${mock.port}/v3/assets/${mock.apiKey}/${asset.uid}/`), asset.url)
  const download = await fetch(asset.url.replace('cma.mock', '127.0.0.1'))
  assert.equal(download.status, 200)
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes)
})

test('two mocks started at once are isolated from each other', async (t) => {
  const [first, second] = await Promise.all([start(), start()])
  t.after(() => Promise.all([first.stop(), second.stop()]))
  assert.notEqual(first.port, second.port)
  const form = new FormData()
  form.append('asset[upload]', new Blob(['only in the first']), 'first.txt')
  const headers = { api_key: first.apiKey, authorization: first.managementToken }
  const created = await fetch(`${first.url}/v3/assets`, { method: 'POST', headers, body: form })
  assert.equal(created.status, 201)
  const count = async (mock) => {
    const answer = await fetch(`${mock.url}/v3/assets?count=true`, { headers })
    return (await answer.json()).assets
  }
  assert.equal(await count(first), 1)
  assert.equal(await count(second), 0)
})

test('stop() ends the process, and the port stops answering', async () => {
  const mock = await start()
  await mock.stop()
  assert.equal(mock.process.exitCode, 0)
  await assert.rejects(fetch(`${mock.url}/_mock/health`))
  await mock.stop() // a second stop is harmless
})

test('a start that fails says why, with the binary\'s own words', async () => {
  await assert.rejects(start({ args: ['--trash-retention', 'soon'] }), /did not start: it exited \(code 2\)[\s\S]*soon/)
})

/** Runs a command that starts the mock; resolves with the child and the mock's URL. */
async function startCommand (command, args) {
  const child = spawn(command, [...args, '--ephemeral', '--listen', '127.0.0.1:0', '--log', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let banner = ''
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      banner += chunk
      const found = banner.match(/listening on (http:\/\/\S+)/)
      if (found) resolve(found[1])
    })
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${banner}`)))
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  return { child, url, exited }
}

test('npx contentstack-mock runs the binary with the flags given, and stops with npm', async () => {
  const { child, url, exited } = await startCommand('npx', ['--no-install', 'contentstack-mock'])
  const health = await fetch(`${url}/_mock/health`)
  assert.equal(health.status, 200)
  child.kill('SIGTERM') // npm exits without passing it on: the launcher sees npm go
  await exited
  await waitUntil(async () => !(await answers(`${url}/_mock/health`)), 'the mock still answers after npx stopped')
})

/** Whether a GET gets any answer. */
async function answers (url) {
  try {
    await fetch(url)
    return true
  } catch {
    return false
  }
}

/** Polls `condition` for up to 10 s. */
async function waitUntil (condition, message) {
  const deadline = Date.now() + 10000
  while (Date.now() < deadline) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(message)
}

test('the command passes SIGTERM to the binary and exits with its status', async () => {
  const { child, url, exited } = await startCommand('node_modules/.bin/contentstack-mock', [])
  assert.equal((await fetch(`${url}/_mock/health`)).status, 200)
  child.kill('SIGTERM')
  assert.deepEqual(await exited, { code: 0, signal: null })
  await assert.rejects(fetch(`${url}/_mock/health`))
})

test('the command passes the exit status through', () => {
  const out = spawnSync('npx', ['--no-install', 'contentstack-mock', '--no-such-flag'], { encoding: 'utf8' })
  assert.equal(out.status, 2)
  assert.match(out.stderr, /no-such-flag/)
})

test('a missing platform package is named, with the command that adds it', () => {
  // As on a machine where `npm install --omit=optional` left the binary out.
  const script = `
    Object.defineProperty(process, 'platform', { value: 'darwin' })
    Object.defineProperty(process, 'arch', { value: 'arm64' })
    try { require('contentstack-mock').binaryPath() } catch (e) { console.log(e.message) }
  `
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.match(out.stdout, /@contentstack-mock\/darwin-arm64 that carries this platform's binary is not installed/)
  assert.match(out.stdout, new RegExp(`npm install --save-optional @contentstack-mock/darwin-arm64@${version.replace(/\./g, '\\.')}`))
  const unsupported = spawnSync(process.execPath, ['-e', script.replace("'darwin'", "'aix'").replace("'arm64'", "'ppc64'")], { encoding: 'utf8' })
  assert.match(unsupported.stdout, /no prebuilt binary for aix-ppc64/)
})

test('the types describe what start() returns', () => {
  const types = readFileSync(require.resolve('contentstack-mock/index.d.ts'), 'utf8')
  for (const name of ['url', 'host', 'port', 'apiKey', 'managementToken', 'stop()']) {
    assert.ok(types.includes(`  ${name}`), `index.d.ts lacks ${name}`)
  }
})
