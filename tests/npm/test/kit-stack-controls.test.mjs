// The kit's per-stack controls, from the installed tarball: reset, snapshots, the request
// journal and opt-in rate limits, each through the official SDK where a user would.
import { test, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import { startMock, MockError } from 'contentstack-mock'
import { sdk, upload } from './kit-helpers.mjs'

const require = createRequire(import.meta.url)
const delivery = require('@contentstack/delivery-sdk').default

let mock
let stack

before(async () => { mock = await startMock() })
after(() => mock.stop())
beforeEach(async () => { stack = await mock.stack() })
afterEach(() => stack.delete())

async function count (target) {
  return (await sdk(target).asset().query({ include_count: true }).find()).count
}

test('reset() empties one stack, keeps its credentials and delivery token, and leaves the others alone', async () => {
  const other = await mock.stack()
  try {
    await upload(stack, 'gone.txt')
    await upload(other, 'kept.txt')
    await stack.clock.advance({ days: 2 })
    await stack.faults.add({ status: 500, count: 3 })
    const info = await stack.reset()
    assert.equal(info.api_key, stack.apiKey)
    assert.equal(await count(stack), 0)
    assert.equal(await count(other), 1)
    assert.equal((await stack.clock.get()).offset_seconds, 0)
    assert.deepEqual(await stack.faults.list(), [])
    assert.equal((await stack.trash.list()).count, 0)
    // The delivery token still reads the stack.
    const asset = await upload(stack, 'after-reset.txt')
    await sdk(stack).asset(asset.uid).publish({ publishDetails: { locales: ['en-us'], environments: ['development'] } })
    assert.equal((await delivery.stack(stack.deliveryStackOptions()).asset(asset.uid).fetch()).uid, asset.uid)
  } finally {
    await other.delete()
  }
})

test('snapshot() and restore() put a stack back exactly, trash and purge times included', async () => {
  const kept = await upload(stack, 'kept.txt', 'the kept bytes')
  const trashed = await upload(stack, 'trashed.txt')
  await sdk(stack).asset(trashed.uid).delete()
  const before = (await stack.trash.list()).items[0]
  const saved = await stack.snapshot('baseline')
  assert.equal(saved.name, 'baseline')
  assert.equal(typeof saved.created_at, 'string')
  assert.equal(typeof saved.bytes, 'number')

  await upload(stack, 'later.txt')
  await sdk(stack).asset(kept.uid).delete()
  await stack.clock.advance({ days: 15 }) // purges both trashed assets
  assert.equal((await stack.trash.list()).count, 0)
  // Back to real time first: restored purge times then lie ahead, so no purge races the checks.
  await stack.clock.reset()

  await stack.restore('baseline')
  const { items } = await sdk(stack).asset().query({ include_count: true }).find()
  assert.deepEqual(items.map((a) => a.uid), [kept.uid])
  assert.equal(items[0]._version, kept._version)
  assert.equal(await (await fetch(items[0].url.replace('contentstack-mock.test', '127.0.0.1'))).text(), 'the kept bytes')
  const after = (await stack.trash.list()).items
  assert.equal(after.length, 1)
  assert.equal(after[0].uid, trashed.uid)
  assert.equal(after[0].purge_at, before.purge_at)

  assert.deepEqual((await stack.snapshots()).map((s) => s.name), ['baseline'])
  const duplicate = await stack.snapshot('baseline').then(() => assert.fail('expected a 409'), (e) => e)
  assert.ok(duplicate instanceof MockError)
  assert.equal(duplicate.status, 409)
  const unknown = await stack.restore('nothing-here').then(() => assert.fail('expected a 404'), (e) => e)
  assert.equal(unknown.status, 404)
  await stack.deleteSnapshot('baseline')
  assert.deepEqual(await stack.snapshots(), [])
})

test('requests() lists what the SDK sent, newest first, filtered, with its secrets masked', async () => {
  await stack.clearRequests()
  const asset = await upload(stack, 'journal.txt')
  await sdk(stack).asset(asset.uid).fetch()
  await sdk(stack).asset('blt0123456789abcdef').fetch().catch(() => {})
  const all = await stack.requests({ pathPrefix: '/v3/' })
  assert.deepEqual(all.map((r) => r.method), ['GET', 'GET', 'POST'])
  assert.equal(all[2].path, '/v3/assets')
  assert.equal(all[2].status, 201)
  assert.equal(all[1].path, `/v3/assets/${asset.uid}`)
  assert.equal(all[0].status, 422)
  for (const entry of all) {
    assert.equal(entry.headers.authorization, '***')
    assert.equal(typeof entry.duration_ms, 'number')
    assert.equal(typeof entry.at, 'string')
  }
  assert.deepEqual((await stack.requests({ method: 'POST' })).map((r) => r.path), ['/v3/assets'])
  assert.equal((await stack.requests({ status: 422 })).length, 1)
  assert.equal((await stack.requests({ pathPrefix: `/v3/assets/${asset.uid}` })).length, 1)
  await stack.clearRequests()
  assert.deepEqual(await stack.requests({ pathPrefix: '/v3/' }), [])
})

test('rate limits: opt-in per stack, headers on every answer, 429 over the limit until the clock moves on', async () => {
  const limited = await mock.stack({ rateLimits: true })
  try {
    await limited.clock.freeze()
    const read = () => fetch(`${mock.url}/v3/assets`, { headers: limited.headers() })
    const first = await read()
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('x-ratelimit-limit'), '10')
    assert.equal(first.headers.get('x-ratelimit-remaining'), '9')
    for (let i = 0; i < 9; i++) assert.equal((await read()).status, 200)
    const over = await read()
    assert.equal(over.status, 429)
    assert.equal(over.headers.get('x-ratelimit-remaining'), '0')
    assert.equal(over.headers.get('retry-after'), '1')
    assert.deepEqual(await over.json(), { error_message: 'Too many requests.', error_code: 429, errors: {} })
    // A stack without rate limits is not counted.
    const free = await fetch(`${mock.url}/v3/assets`, { headers: stack.headers() })
    assert.equal(free.status, 200)
    assert.equal(free.headers.get('x-ratelimit-limit'), null)
    await limited.clock.advance({ seconds: 1 })
    assert.equal((await read()).status, 200)
    await limited.rateLimits({ enabled: false })
    for (let i = 0; i < 12; i++) assert.equal((await read()).status, 200)
  } finally {
    await limited.delete()
  }
})
