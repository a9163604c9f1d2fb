'use strict'
// The JS SDK retries 5xx and 429 answers. Against a hostname (cma.mock through
// a custom `lookup`) the retries must run cleanly: the promise resolves once a
// retried request succeeds, or rejects after the retries run out, and the Node
// process survives (were it to die, this file would fail as a whole).
// Faults come from the mock's control API: POST /_mock/stacks/{api_key}/faults.

const { describe, it, before, after, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, files

before(async () => {
  server = await h.startServer()
  files = h.fixtures()
})

after(async () => {
  if (server) await server.stop()
  if (files) files.cleanup()
})

afterEach(async () => {
  await h.raw(server, 'DELETE', `/_mock/stacks/${h.DEFAULT_API_KEY}/faults`)
})

async function inject (fault) {
  const res = await h.raw(server, 'POST', `/_mock/stacks/${h.DEFAULT_API_KEY}/faults`, { json: fault })
  assert.ok(res.status >= 200 && res.status < 300,
    `POST /_mock/stacks/${h.DEFAULT_API_KEY}/faults ${JSON.stringify(fault)} → ${res.status} ${JSON.stringify(res.data)}`)
}

/** A client whose SDK log lines are collected, with quick retries. */
function loggingClient (extra = {}) {
  const log = []
  const { client, stack } = h.connect(server.port, {
    client: { logHandler: (level, data) => log.push({ level, data: typeof data === 'string' ? data : JSON.stringify(data) }), ...extra }
  })
  return { client, stack, log }
}

const retryLines = (log, pattern) => log.filter((l) => l.level === 'warning' && pattern.test(l.data))

describe('fault injection (control API)', () => {
  it('a 429 fault answers a Contentstack error body with retry-after: 1, then clears', async () => {
    await inject({ status: 429, count: 1, path: '/v3/assets', method: 'GET' })
    const faulted = await h.raw(server, 'GET', '/v3/assets')
    assert.equal(faulted.status, 429)
    assert.equal(faulted.headers.get('retry-after'), '1')
    assert.equal(typeof faulted.data.error_message, 'string')
    assert.equal(typeof faulted.data.error_code, 'number')
    assert.equal(typeof faulted.data.errors, 'object')
    const next = await h.raw(server, 'GET', '/v3/assets')
    assert.equal(next.status, 200)
  })
})

describe('5xx', () => {
  it('two 500s on a list, then success: find() resolves with the data', async () => {
    const { stack, log } = loggingClient()
    const asset = await stack.asset().create({ upload: files.hello, title: 'survives 500s' })
    await inject({ status: 500, count: 2, path: '/v3/assets', method: 'GET' })
    const res = await stack.asset().query({ include_count: true, query: { uid: asset.uid } }).find()
    assert.equal(res.count, 1)
    assert.deepEqual(res.items.map((a) => a.uid), [asset.uid])
    assert.equal(retryLines(log, /^Transient .*HTTP 500/).length, 2, `retry log: ${JSON.stringify(log)}`)
  })

  it('a 503 on upload is retried and the asset is created exactly once', async () => {
    const { stack, log } = loggingClient()
    await inject({ status: 503, count: 1, path: '/v3/assets', method: 'POST' })
    const asset = await stack.asset().create({ upload: files.hello, title: 'uploaded after a 503', tags: ['retry'] })
    h.assertFileAsset(asset)
    assert.equal(asset.title, 'uploaded after a 503')
    assert.deepEqual(asset.tags, ['retry'])
    assert.equal(asset.file_size, String(files.helloBytes.length))
    const same = await stack.asset().query({ query: { title: 'uploaded after a 503' } }).count()
    assert.deepEqual(same, { assets: 1 })
    assert.equal(retryLines(log, /^Transient .*HTTP 503/).length, 1, `retry log: ${JSON.stringify(log)}`)
  })

  it('500s that outlast the retries: the promise rejects cleanly', async () => {
    const { stack, log } = loggingClient()
    await inject({ status: 500, count: 50, path: '/v3/assets', method: 'GET' })
    const err = await h.rejection(stack.asset().query().find())
    assert.ok(err instanceof Error)
    assert.match(err.message, /after 3 retries/)
    assert.match(err.message, /500/)
    assert.equal(err.originalError.response.status, 500)
    assert.equal(typeof err.originalError.response.data.error_message, 'string')
    assert.equal(retryLines(log, /^Transient .*HTTP 500/).length, 3, `retry log: ${JSON.stringify(log)}`)
  })

  it('a fault on one path does not touch another (prefix match)', async () => {
    const { stack } = loggingClient({ retryOnHttpServerError: false })
    const folder = await stack.asset().folder().create({ asset: { name: 'unfaulted' } })
    await inject({ status: 500, count: 5, path: '/v3/assets/folders', method: 'GET' })
    const asset = await stack.asset().create({ upload: files.hello })
    assert.equal((await stack.asset(asset.uid).fetch()).uid, asset.uid)
    const err = await h.rejection(stack.asset().folder(folder.uid).fetch())
    assert.equal(err.status, 500)
    assert.equal(typeof err.errorMessage, 'string')
    assert.equal(typeof err.errorCode, 'number')
  })
})

describe('429', () => {
  it('two 429s, then success: fetch() resolves', async () => {
    const { stack, log } = loggingClient()
    const asset = await stack.asset().create({ upload: files.hello, title: 'survives 429s' })
    await inject({ status: 429, count: 2, path: `/v3/assets/${asset.uid}`, method: 'GET' })
    const fetched = await stack.asset(asset.uid).fetch()
    assert.equal(fetched.uid, asset.uid)
    assert.equal(fetched.title, 'survives 429s')
    assert.equal(retryLines(log, /Error with status: 429/).length, 2, `retry log: ${JSON.stringify(log)}`)
  })

  it('429s that outlast retryLimit: rejects with status 429 and the error body', async () => {
    const { stack, log } = loggingClient({ retryLimit: 2 })
    await inject({ status: 429, count: 50, path: '/v3/assets', method: 'GET' })
    const err = await h.rejection(stack.asset().query().find())
    assert.equal(err.status, 429)
    assert.equal(typeof err.errorMessage, 'string')
    assert.ok(err.errorMessage.length > 0)
    assert.equal(typeof err.errorCode, 'number')
    assert.equal(retryLines(log, /Error with status: 429/).length, 2, `retry log: ${JSON.stringify(log)}`)
  })

  it('a 429 on a bulk delete is retried and the delete happens once', async () => {
    const { stack } = loggingClient()
    const asset = await stack.asset().create({ upload: files.hello, title: 'bulk after 429' })
    await inject({ status: 429, count: 1, path: '/v3/bulk', method: 'POST' })
    const res = await stack.bulkOperation().delete({ details: { assets: [{ uid: asset.uid }] } })
    assert.equal(typeof res.job_id, 'string')
    const err = await h.rejection(stack.asset(asset.uid).fetch())
    assert.equal(err.status, 422)
  })
})

describe('rate limits (per stack, on its clock)', () => {
  it('over the limit the SDK gets 429, retries, and succeeds once the stack clock moves on', async () => {
    const res = await h.raw(server, 'POST', '/_mock/stacks', { json: { name: 'rate limited', rate_limits: { read: 2 } } })
    assert.equal(res.status, 201, JSON.stringify(res.data))
    const { api_key: apiKey, management_token: token } = res.data.stack
    const frozen = await h.raw(server, 'POST', `/_mock/stacks/${apiKey}/clock/freeze`)
    assert.equal(frozen.status, 200, JSON.stringify(frozen.data))
    const log = []
    const { stack } = h.connect(server.port, {
      apiKey,
      token,
      client: { logHandler: (level, data) => log.push({ level, data: typeof data === 'string' ? data : JSON.stringify(data) }) }
    })
    const asset = await stack.asset().create({ upload: files.hello, title: 'limited' })
    const first = await h.raw(server, 'GET', `/v3/assets/${asset.uid}`, { apiKey, token })
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('x-ratelimit-limit'), '2')
    assert.equal(first.headers.get('x-ratelimit-remaining'), '1')
    assert.equal((await stack.asset(asset.uid).fetch()).uid, asset.uid)
    // The window (a second of the frozen clock) is used up: the next read is refused
    // until the test moves the clock on, which it does while the SDK waits to retry.
    const over = await h.raw(server, 'GET', `/v3/assets/${asset.uid}`, { apiKey, token })
    assert.equal(over.status, 429)
    assert.deepEqual(over.data, { error_message: 'Too many requests.', error_code: 429, errors: {} })
    assert.equal(over.headers.get('retry-after'), '1')
    const fetching = stack.asset(asset.uid).fetch()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const moved = await h.raw(server, 'POST', `/_mock/stacks/${apiKey}/clock/advance`, { json: { seconds: 1 } })
    assert.equal(moved.status, 200, JSON.stringify(moved.data))
    const fetched = await fetching
    assert.equal(fetched.title, 'limited')
    assert.ok(retryLines(log, /Error with status: 429/).length >= 1, `retry log: ${JSON.stringify(log)}`)
    const journal = await h.raw(server, 'GET', `/_mock/stacks/${apiKey}/requests?status=429`)
    assert.ok(journal.data.requests.length >= 2, JSON.stringify(journal.data))
    assert.equal(journal.data.requests[0].headers.authorization, '***')
    await h.raw(server, 'DELETE', `/_mock/stacks/${apiKey}`)
  })
})
