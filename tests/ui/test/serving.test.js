'use strict'
// How the binary serves the UI: `/` redirects to `/ui/`, each file with its content
// type, revalidated by ETag, a same-origin-only CSP, and Contentstack's error shape for
// a file it does not have.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let server
before(async () => { server = await H.startServer() })
after(async () => { if (server) await server.stop() })

const TYPES = {
  '/ui/': 'text/html; charset=utf-8',
  '/ui/index.html': 'text/html; charset=utf-8',
  '/ui/style.css': 'text/css; charset=utf-8',
  '/ui/app.js': 'text/javascript; charset=utf-8',
  '/ui/api.js': 'text/javascript; charset=utf-8',
  '/ui/dom.js': 'text/javascript; charset=utf-8',
  '/ui/assets.js': 'text/javascript; charset=utf-8',
  '/ui/asset.js': 'text/javascript; charset=utf-8',
  '/ui/folders.js': 'text/javascript; charset=utf-8',
  '/ui/publish.js': 'text/javascript; charset=utf-8',
  '/ui/settings.js': 'text/javascript; charset=utf-8',
  '/ui/trash.js': 'text/javascript; charset=utf-8',
  '/ui/clock.js': 'text/javascript; charset=utf-8',
  '/ui/favicon.svg': 'image/svg+xml',
  '/favicon.ico': 'image/svg+xml'
}

describe('serving the UI', () => {
  it('redirects / and /ui to /ui/', async () => {
    for (const path of ['/', '/ui']) {
      const res = await fetch(server.base + path, { redirect: 'manual' })
      assert.equal(res.status, 307, path)
      assert.equal(res.headers.get('location'), '/ui/')
    }
  })

  it('serves every file with its content type, an ETag and a same-origin CSP; under 150 KB in all', async () => {
    let total = 0
    for (const [path, type] of Object.entries(TYPES)) {
      const res = await fetch(server.base + path)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers.get('content-type'), type, path)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.match(res.headers.get('content-security-policy'), /default-src 'self'/)
      assert.equal(res.headers.get('cache-control'), 'no-cache')
      const etag = res.headers.get('etag')
      assert.match(etag, /^"[0-9a-f]{16}"$/)
      const body = Buffer.from(await res.arrayBuffer())
      if (path.startsWith('/ui/') && path !== '/ui/') total += body.length
      const again = await fetch(server.base + path, { headers: { 'if-none-match': etag } })
      assert.equal(again.status, 304, path)
    }
    assert.ok(total < 150 * 1024, `the UI weighs ${total} bytes`)
    const head = await fetch(server.base + '/ui/app.js', { method: 'HEAD' })
    assert.equal(head.status, 200)
  })

  it('answers a missing file with a JSON 404 in the error shape', async () => {
    const res = await fetch(server.base + '/ui/nope.js')
    assert.equal(res.status, 404)
    assert.deepEqual(await res.json(), { error_message: 'The requested URL GET /ui/nope.js was not found.', error_code: 404, errors: {} })
    const post = await fetch(server.base + '/ui/', { method: 'POST' })
    assert.equal(post.status, 405)
    assert.equal((await post.json()).error_code, 405)
  })
})
