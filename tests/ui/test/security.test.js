'use strict'
// The mock's origin runs nobody else's script, and other origins cannot drive /_mock:
// an uploaded HTML file opened in Chromium runs nothing, a page on another origin can
// neither read /_mock/stacks nor reset, and a rebinding-style name gets a 403.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

// What an attacker stores: a page that reads the stacks with their tokens, then resets.
const PAYLOAD = `<!doctype html><title>stored page</title><script>
document.title = 'script ran'
fetch('/_mock/stacks').then((r) => r.text()).then((t) => {
  document.title = 'read ' + t.length
  return fetch('/_mock/reset', { method: 'POST' })
})
</script>`

/** The stacks the server has, by name. */
async function stackNames (server) {
  const { stacks } = await H.ok(H.api(server, 'GET', '/_mock/stacks'))
  return stacks.map((s) => s.name).sort()
}

/** Starts the server, a stack to lose, and one uploaded page; runs fn, then stops it. */
async function withStoredPage (serverArgs, fn) {
  const server = await H.startServer(serverArgs)
  try {
    const stack = await H.createStack(server, 'Must survive')
    const asset = await H.uploadAsset(server, stack, { filename: 'photo.png', bytes: Buffer.from(PAYLOAD), type: 'text/html' })
    assert.equal(asset.content_type, 'text/html')
    await fn({ server, asset })
  } finally {
    await server.stop()
  }
}

/** A fresh context whose requests to /_mock are recorded. */
async function watchedPage () {
  const context = await browser.newContext({ acceptDownloads: true })
  const page = await context.newPage()
  const mockCalls = []
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/_mock')) mockCalls.push(`${req.method()} ${req.url()}`)
  })
  return { context, page, mockCalls }
}

describe('stored files', () => {
  it('an uploaded HTML page is a download, and nothing in it runs', () =>
    withStoredPage([], async ({ server, asset }) => {
      const { context, page, mockCalls } = await watchedPage()
      try {
        const download = page.waitForEvent('download')
        await page.goto(asset.url).catch((err) => assert.match(err.message, /Download is starting|ERR_ABORTED/))
        assert.equal((await download).suggestedFilename(), 'photo.png')
        await new Promise((resolve) => setTimeout(resolve, 500))
        assert.deepEqual(mockCalls, [])
        assert.deepEqual(await stackNames(server), ['Local', 'Must survive'])
      } finally {
        await context.close()
      }
    }))

  it('shown inline (--inline-active-files), it is sandboxed: no origin, no script', () =>
    withStoredPage(['--inline-active-files'], async ({ server, asset }) => {
      const { context, page, mockCalls } = await watchedPage()
      try {
        const answer = await page.goto(asset.url)
        assert.equal(answer.status(), 200)
        await new Promise((resolve) => setTimeout(resolve, 500))
        assert.equal(await page.title(), 'stored page', 'the script never ran')
        assert.deepEqual(mockCalls, [])
        assert.deepEqual(await stackNames(server), ['Local', 'Must survive'])
      } finally {
        await context.close()
      }
    }))
})

describe('other origins', () => {
  it('a page elsewhere can neither read /_mock/stacks nor reset the mock', async () => {
    const server = await H.startServer()
    // The attacker's page, on another origin (another port of this machine).
    const attack = `<!doctype html><title>attack</title><script>
(async () => {
  const mock = ${JSON.stringify(server.base)}
  const out = {}
  try { out.read = await (await fetch(mock + '/_mock/stacks')).text() } catch (e) { out.read = 'blocked' }
  try { await fetch(mock + '/_mock/reset', { method: 'POST', mode: 'no-cors' }); out.reset = 'sent' } catch (e) { out.reset = 'blocked' }
  try {
    await fetch(mock + '/_mock/stacks', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"name": "Planted"}' })
  } catch (e) {}
  window.result = out
  document.title = 'done'
})()
</script>`
    const site = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(attack) })
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve))
    const context = await browser.newContext()
    try {
      await H.createStack(server, 'Must survive')
      const page = await context.newPage()
      await page.goto(`http://127.0.0.1:${site.address().port}/`)
      await page.waitForFunction(() => document.title === 'done')
      const result = await page.evaluate(() => window.result)
      assert.equal(result.read, 'blocked', 'the stacks and their tokens were not readable')
      assert.deepEqual(await stackNames(server), ['Local', 'Must survive'], 'nothing was reset or planted')
    } finally {
      await context.close()
      await new Promise((resolve) => site.close(resolve))
      await server.stop()
    }
  })

  it('a rebinding-style name (a public name resolving to this machine) gets a 403', async () => {
    const server = await H.startServer()
    const name = 'rebind.attacker.example.com'
    const rebinding = await require('playwright-core').chromium.launch({
      executablePath: H.CHROMIUM,
      args: [...H.CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${name} 127.0.0.1`],
      timeout: 30000
    })
    try {
      const page = await rebinding.newPage()
      const port = new URL(server.base).port
      for (const path of ['/ui/', '/_mock/stacks']) {
        const answer = await page.goto(`http://${name}:${port}${path}`)
        assert.equal(answer.status(), 403, path)
        const body = JSON.parse(await answer.text())
        assert.equal(body.error_code, 403)
        assert.ok(body.errors.host, JSON.stringify(body))
      }
      // The same server, by its own name, still serves the UI.
      const own = await page.goto(`http://localhost:${port}/ui/`)
      assert.equal(own.status(), 200)
    } finally {
      await rebinding.close()
      await server.stop()
    }
  })
})
