'use strict'
// Contentstack DataSync (@contentstack/datasync-manager with the filesystem asset and
// content stores, pinned in package.json) mirrors a stack's published assets into a
// folder through the mock's Sync API over HTTPS, and removes them again on unpublish and
// delete. DataSync runs in a process of its own (lib/datasync-child.js); a line on its
// stdin stands in for the webhook that tells it something changed.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const h = require('../lib/harness')

let server, world, dir, datasync, events

/** Waits until `check()` holds, up to `ms`; the message says what never happened. */
async function until (check, what, ms = 30000) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms} ms; DataSync said:\n${events.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The mirrored file of an asset: <assets>/<locale>/assets/<uid>/<filename>. */
const mirrored = (a, locale = 'en-us') => path.join(dir, 'assets', locale, 'assets', a.uid, a.filename)
const mirroredFolder = (a, locale = 'en-us') => path.join(dir, 'assets', locale, 'assets', a.uid)

/** Whether `file` exists and holds exactly `bytes`. */
const holds = (file, bytes) => fs.existsSync(file) && fs.readFileSync(file).equals(bytes)

/** The asset records DataSync's content store holds for a locale. */
function storedAssets (locale = 'en-us') {
  const file = path.join(dir, 'contents', locale, 'data', 'assets.json')
  if (!fs.existsSync(file)) return []
  // Read while the store may be writing it: a file that does not parse is not there yet.
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return []
  }
}

before(async () => {
  server = await h.startServer({ tls: true })
  world = await h.createWorld(server, 'datasync')
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csmock-datasync-'))
  events = []
})

after(async () => {
  if (datasync && datasync.exitCode === null) {
    const exited = new Promise((resolve) => datasync.once('exit', resolve))
    process.kill(datasync.pid, 'SIGKILL')
    await exited
  }
  if (server) await server.stop()
  if (dir && process.env.CSMOCK_KEEP === '1') process.stderr.write(`kept ${dir} (CSMOCK_KEEP=1)\n`)
  else if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('DataSync mirrors published assets into a folder', () => {
  let one, two, draft

  it('an initial sync writes every published asset, bytes and record, and nothing else', { timeout: 60000 }, async () => {
    one = await world.cma.upload(Buffer.from('first file\n'), 'one.txt', { contentType: 'text/plain', title: 'One' })
    two = await world.cma.upload(h.PNG_3X2, 'two.png', { contentType: 'image/png', title: 'Two' })
    draft = await world.cma.upload(Buffer.from('not published\n'), 'draft.txt', { contentType: 'text/plain' })
    await world.cma.publish(one.uid)
    await world.cma.publish(two.uid)

    const bundle = path.join(dir, 'ca.pem')
    const extra = process.env.NODE_EXTRA_CA_CERTS && fs.existsSync(process.env.NODE_EXTRA_CA_CERTS)
      ? fs.readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8').trimEnd() + '\n'
      : ''
    fs.writeFileSync(bundle, extra + fs.readFileSync(server.certPath, 'utf8'))
    // Where DataSync keeps its sync token and the two stores their files: made beforehand,
    // as these versions fail to create a missing root folder (their mkdirp call).
    for (const sub of [['state', 'unprocessible'], ['contents'], ['assets']]) {
      fs.mkdirSync(path.join(dir, ...sub), { recursive: true })
    }
    datasync = spawn(process.execPath, [path.join(__dirname, '..', 'lib', 'datasync-child.js')], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: bundle,
        TOKEN_PATH: path.join(dir, 'state'),
        PLUGIN_PATH: path.join(dir, 'state'),
        DATASYNC_CONFIG: JSON.stringify({
          apiKey: world.apiKey,
          deliveryToken: world.tokens.development,
          host: '127.0.0.1',
          port: server.tlsPort
        })
      },
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const collect = (stream) => {
      stream.setEncoding('utf8')
      stream.on('data', (d) => { events.push(...d.split('\n').filter(Boolean)) })
    }
    collect(datasync.stdout)
    collect(datasync.stderr)

    // A file shows before its bytes are all written: wait for the records, which the
    // content store writes once the asset store has the file, and for the bytes.
    await until(() => storedAssets().length === 2 &&
      holds(mirrored(one), Buffer.from('first file\n')) && holds(mirrored(two), h.PNG_3X2), 'the initial sync')
    assert.ok(!fs.existsSync(mirroredFolder(draft)), 'an unpublished asset is not mirrored')
    assert.deepEqual(storedAssets().map((a) => a.uid).sort(), [one.uid, two.uid].sort())
    assert.ok(!events.some((e) => /"event":"(error|failed)"/.test(e)), events.join('\n'))
  })

  it('a publish, an unpublish and a delete reach the folder at the next notification', { timeout: 60000 }, async () => {
    await world.cma.publish(draft.uid)
    await world.cma.unpublish(one.uid)
    await world.cma.deleteAsset(two.uid)
    datasync.stdin.write('changed\n')
    // The filesystem store removes an unpublished asset's file, and a deleted asset's folder.
    await until(() => holds(mirrored(draft), Buffer.from('not published\n')) && !fs.existsSync(mirrored(one)) &&
      !fs.existsSync(mirroredFolder(two)) && storedAssets().map((a) => a.uid).join() === draft.uid,
    'mirroring the publish, the unpublish and the delete')
    assert.ok(!events.some((e) => /"event":"(error|failed)"/.test(e)), events.join('\n'))
  })
})
