'use strict'
// Shared pieces of the UI suite: start the real contentstack-mock binary on a free port
// (through the test kit, tests/lib/mock.js), drive Debian's Chromium (/usr/bin/chromium)
// through playwright-core, seed data over the HTTP API, and guard every page: a console
// error, an uncaught page error or a request outside /ui/, /v3 and /_mock fails the test.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const assert = require('node:assert/strict')
const { chromium } = require('playwright-core')

const shared = require('../../lib/mock')

const { ROOT, BIN } = shared
const CHROMIUM = process.env.CSMOCK_CHROMIUM || '/usr/bin/chromium'
const SCREENSHOTS = path.join(ROOT, 'target', 'ui-screenshots')
const DEFAULT_API_KEY = 'blt0000000000000001'
const DEFAULT_TOKEN = 'cs00000000000000000000000000000001'
// Flags that keep Chromium quiet on a machine without a network (no background
// fetches, updates, sync or QUIC probes), as well as headless and sandbox-free for root.
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

// A valid 3x2 RGB PNG (73 bytes).
const PNG_3X2 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==',
  'base64')

/** Starts the binary on a free port (tests/lib/mock.js) with the `extra` flags; resolves { base, stop() }. */
function startServer (extra = []) {
  return shared.startServer({ args: extra })
}

/** Launches headless Chromium (Playwright gives it a fresh, temporary --user-data-dir). */
function launchBrowser () {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 30000 })
}

/**
 * A new page in a fresh context, guarded: console errors, page errors and requests
 * outside /ui/, /v3 and /_mock are collected and make `check()` fail. A test that
 * provokes an API error on purpose declares the browser's own log line for it with
 * `expectHttpError(status, pathPrefix)` (Chromium logs every 4xx/5xx answer as a
 * console error, "Failed to load resource: ..."); anything else still fails, and so
 * does an expected error that never came.
 */
async function openPage (browser, server, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport, baseURL: server.base })
  context.setDefaultTimeout(10000)
  const page = await context.newPage()
  const problems = []
  const expected = []
  const origin = new URL(server.base).origin
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const url = msg.location().url || ''
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text())
    if (m) {
      const hits = expected.filter((e) => e.status === Number(m[1]) && url.startsWith(origin + e.prefix))
      for (const hit of hits) hit.used = true
      if (hits.length) return
    }
    problems.push(`console error: ${msg.text()} (${url})`)
  })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('request', (req) => {
    const url = new URL(req.url())
    const ok = url.origin === origin && (url.pathname.startsWith('/ui/') || url.pathname.startsWith('/v3') || url.pathname.startsWith('/_mock'))
    if (!ok) problems.push(`request outside /ui/, /v3 and /_mock: ${req.method()} ${req.url()}`)
  })
  page.on('requestfailed', (req) => {
    const reason = req.failure() && req.failure().errorText
    // Cancelled by the browser itself, e.g. thumbnails still loading when the test navigates.
    if (reason === 'net::ERR_ABORTED') return
    problems.push(`request failed: ${req.method()} ${req.url()} (${reason})`)
  })
  return {
    page,
    context,
    /** Allows Chromium's log line for HTTP `status` answers on paths starting with `prefix`, and requires one. */
    expectHttpError (status, prefix) { expected.push({ status, prefix, used: false }) },
    /** Fails on any problem seen so far, and on an expected error that never came. */
    check () {
      const missing = expected.filter((e) => !e.used).map((e) => `expected an HTTP ${e.status} on ${e.prefix} that never came`)
      assert.deepEqual([...problems, ...missing], [], 'the page had problems')
    },
    async close () { await context.close() }
  }
}

/** Plain HTTP to the mock; `/v3` calls carry the stack's credentials. */
async function api (server, method, urlPath, { json, form, stack, admin } = {}) {
  const headers = {}
  if (urlPath.startsWith('/v3')) {
    headers.api_key = stack ? stack.api_key : DEFAULT_API_KEY
    headers.authorization = stack ? stack.management_token : DEFAULT_TOKEN
  } else if (admin) {
    headers.authorization = `Bearer ${admin}`
  }
  let body
  if (json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(json)
  } else if (form) {
    body = form
  }
  const res = await fetch(server.base + urlPath, { method, headers, body })
  const text = await res.text()
  let data
  try { data = text ? JSON.parse(text) : undefined } catch { data = text }
  return { status: res.status, data }
}

async function ok (promise, status = [200, 201]) {
  const res = await promise
  assert.ok([].concat(status).includes(res.status), `HTTP ${res.status}: ${JSON.stringify(res.data)}`)
  return res.data
}

/** A fresh, isolated stack. */
async function createStack (server, name, admin) {
  return (await ok(api(server, 'POST', '/_mock/stacks', { json: { name }, admin }))).stack
}

async function createFolder (server, stack, name, parentUid) {
  const asset = { name }
  if (parentUid) asset.parent_uid = parentUid
  return (await ok(api(server, 'POST', '/v3/assets/folders', { stack, json: { asset } }))).asset
}

/** Uploads one asset (a small PNG unless `bytes` is given). */
async function uploadAsset (server, stack, { filename = 'file.png', title, parentUid, bytes = PNG_3X2, type = 'image/png' } = {}) {
  const form = new FormData()
  form.append('asset[upload]', new Blob([bytes], { type }), filename)
  if (title) form.append('asset[title]', title)
  if (parentUid) form.append('asset[parent_uid]', parentUid)
  return (await ok(api(server, 'POST', '/v3/assets', { stack, form }))).asset
}

/** Uploads `n` assets named `${prefix}-NNN.txt`, a few at a time. */
async function uploadMany (server, stack, n, { prefix = 'asset', parentUid } = {}) {
  const out = []
  for (let i = 0; i < n; i += 8) {
    const batch = []
    for (let j = i; j < Math.min(n, i + 8); j++) {
      const name = `${prefix}-${String(j + 1).padStart(3, '0')}.txt`
      batch.push(uploadAsset(server, stack, { filename: name, parentUid, bytes: Buffer.from(`asset ${j}\n`), type: 'text/plain' }))
    }
    out.push(...await Promise.all(batch))
  }
  return out
}

async function trashItems (server, stack, admin) {
  return (await ok(api(server, 'GET', `/_mock/stacks/${stack.api_key}/trash?limit=1000`, { admin }))).items
}

/** A delivery token of the stack scoped to `environments`; resolves with its value. */
async function deliveryToken (server, stack, environments = ['development']) {
  const token = {
    name: `token ${Date.now()}`,
    scope: [{ module: 'environment', environments, acl: { read: true } }, { module: 'branch', branches: ['main'], acl: { read: true } }]
  }
  return (await ok(api(server, 'POST', '/v3/stacks/delivery_tokens', { stack, json: { token } }))).token.token
}

/** A Content Delivery API call, as a site makes it: `api_key` and a delivery token. */
async function cda (base, apiKey, token, urlPath) {
  const res = await fetch(base + urlPath, { headers: { api_key: apiKey, access_token: token } })
  const text = await res.text()
  let data
  try { data = JSON.parse(text) } catch { data = text }
  return { status: res.status, data }
}

/** Writes a screenshot to target/ui-screenshots/<name>.png and returns its path. */
async function screenshot (page, name, { fullPage = false } = {}) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  const file = path.join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  return file
}

/**
 * Waits until `fn` stops throwing (UI state settles asynchronously), then returns its
 * value; after `timeout` ms the last assertion error is thrown.
 */
async function eventually (fn, timeout = 10000) {
  const end = Date.now() + timeout
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > end) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Waits until the locator's text contains `text`. */
async function hasText (locator, text, timeout) {
  await eventually(async () => {
    const got = await locator.innerText({ timeout: 1000 })
    assert.ok(got.includes(text), `expected ${JSON.stringify(got)} to contain ${JSON.stringify(text)}`)
  }, timeout)
}

/** Waits until the locator matches exactly `n` elements. */
async function hasCount (locator, n, timeout) {
  await eventually(async () => assert.equal(await locator.count(), n), timeout)
}

/**
 * One UI test: a fresh server (`serverArgs` added to its flags), a guarded page at
 * `viewport`, then `fn({ server, page, guard })`; afterwards the page's problems fail
 * the test. A failing test leaves target/ui-screenshots/failed-<name>.png behind.
 */
async function withUi (browser, { name = 'test', serverArgs = [], viewport } = {}, fn) {
  const server = await startServer(serverArgs)
  let guard
  try {
    guard = await openPage(browser, server, { viewport })
    try {
      await fn({ server, page: guard.page, guard })
    } catch (err) {
      await screenshot(guard.page, `failed-${name}`).catch(() => {})
      throw err
    }
    guard.check()
  } finally {
    if (guard) await guard.close()
    await server.stop()
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A `w` x `h` RGB PNG with a diagonal gradient between two colours. */
function gradientPng (w, h, from, to) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const t = (x + y) / (w + h - 2)
      for (let c = 0; c < 3; c++) raw[y * (w * 3 + 1) + 1 + x * 3 + c] = Math.round(from[c] + (to[c] - from[c]) * t)
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([len, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', require('node:zlib').deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/** The page URL of a stack's screen: /ui/?stack=KEY#/route. */
const uiUrl = (stack, route = '/assets') => `/ui/?stack=${encodeURIComponent(stack.api_key)}#${route}`

module.exports = {
  ROOT,
  BIN,
  CHROMIUM,
  CHROMIUM_FLAGS,
  DEFAULT_API_KEY,
  DEFAULT_TOKEN,
  PNG_3X2,
  startServer,
  launchBrowser,
  openPage,
  api,
  ok,
  createStack,
  createFolder,
  uploadAsset,
  uploadMany,
  trashItems,
  deliveryToken,
  cda,
  screenshot,
  uiUrl,
  eventually,
  withUi,
  gradientPng,
  hasText,
  hasCount,
  tmpdir: () => fs.mkdtempSync(path.join(os.tmpdir(), 'csmock-ui-'))
}
