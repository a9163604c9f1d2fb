// The test kit as a user's test suite uses it, from the installed tarball: one mock for
// the file (`startMock()`), a fresh stack per test, and the official SDKs configured
// from the stack's options (`@contentstack/management`, `@contentstack/delivery-sdk`).
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

test('startMock() runs a mock on a free port, and a stack has its credentials and a delivery token', async () => {
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal((await mock.health()).status, 'ok')
  assert.match(stack.apiKey, /^blt/)
  assert.match(stack.managementToken, /^cs/)
  assert.match(stack.deliveryToken, /^cs[0-9a-f]{24}$/)
  assert.equal(stack.environment, 'development')
  assert.ok((await mock.stacks()).some((s) => s.api_key === stack.apiKey))
})

test('stack() passes a name, a user name and environments', async () => {
  const named = await mock.stack({ name: 'kit named', userName: 'Ada Lovelace', environments: ['staging', 'production'] })
  try {
    assert.equal(named.name, 'kit named')
    assert.equal(named.userName, 'Ada Lovelace')
    assert.equal(named.environment, 'staging')
    // The delivery token reads both environments.
    for (const environment of ['staging', 'production']) {
      const answer = await fetch(`${mock.url}/v3/assets?environment=${environment}`, {
        headers: { api_key: named.apiKey, access_token: named.deliveryToken }
      })
      assert.equal(answer.status, 200, `${environment}: ${await answer.text()}`)
    }
  } finally {
    await named.delete()
  }
})

test('the management options work with @contentstack/management, and the delivery options with @contentstack/delivery-sdk', async () => {
  const asset = await upload(stack, 'hello.txt', 'hello from the kit')
  const { items, count } = await sdk(stack).asset().query({ include_count: true }).find()
  assert.equal(count, 1)
  assert.equal(items[0].uid, asset.uid)
  await sdk(stack).asset(asset.uid).publish({ publishDetails: { locales: ['en-us'], environments: ['development'] } })
  const site = delivery.stack(stack.deliveryStackOptions())
  const delivered = await site.asset(asset.uid).fetch()
  assert.equal(delivered.uid, asset.uid)
  assert.equal(delivered.publish_details.environment !== undefined, true)
  const download = await fetch(delivered.url)
  assert.equal(await download.text(), 'hello from the kit')
})

test('two stacks are isolated: assets, clocks and faults', async () => {
  const other = await mock.stack()
  try {
    await upload(stack, 'only-here.txt')
    assert.equal((await sdk(stack).asset().query({ include_count: true }).find()).count, 1)
    assert.equal((await sdk(other).asset().query({ include_count: true }).find()).count, 0)
    await stack.clock.advance({ days: 3 })
    const moved = await stack.clock.get()
    const still = await other.clock.get()
    assert.equal(moved.offset_seconds, 3 * 86400)
    assert.equal(still.offset_seconds, 0)
    await stack.faults.add({ status: 503, count: 5 })
    assert.equal((await other.faults.list()).length, 0)
    assert.equal((await sdk(other).asset().query({ include_count: true }).find()).count, 0)
  } finally {
    await other.delete()
  }
})

test('a clock advance past the retention purges a trashed asset', async () => {
  const asset = await upload(stack, 'doomed.txt')
  await sdk(stack).asset(asset.uid).delete()
  const trash = await stack.trash.list()
  assert.equal(trash.count, 1)
  assert.equal(trash.items[0].uid, asset.uid)
  const early = await stack.clock.advance({ days: 13, hours: 23 })
  assert.deepEqual(early.purged, [])
  const due = await stack.clock.advance({ hours: 1 })
  assert.deepEqual(due.purged, [{ uid: asset.uid, type: 'asset' }])
  assert.equal((await stack.trash.list()).count, 0)
  const now = await stack.clock.now()
  assert.ok(now.getTime() - Date.now() > 13.9 * 86400 * 1000, `the clock reads ${now.toISOString()}`)
})

test('freeze, resume and reset the clock', async () => {
  const frozen = await stack.clock.freeze()
  assert.equal(frozen.frozen, true)
  const first = await stack.clock.now()
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal((await stack.clock.now()).getTime(), first.getTime())
  const resumed = await stack.clock.resume()
  assert.equal(resumed.frozen, false)
  // Resumed from where it stood: the time it was frozen is behind it.
  assert.ok(resumed.offset_seconds < 0, `offset after a resume: ${resumed.offset_seconds}`)
  const moved = await stack.clock.advance({ minutes: 90 })
  assert.ok(Math.abs(moved.offset_seconds - resumed.offset_seconds - 5400) < 1, `offset ${moved.offset_seconds}`)
  await stack.clock.reset()
  assert.equal((await stack.clock.get()).offset_seconds, 0)
})

test('faults: the SDK retries an armed 429 through the kit\'s host name and succeeds', async () => {
  const options = stack.managementClientOptions()
  assert.equal(options.host, 'contentstack-mock.test')
  assert.equal(typeof options.lookup, 'function')
  await stack.faults.add({ status: 429, count: 2, path: '/v3/assets' })
  assert.equal((await stack.faults.list())[0].count, 2)
  const { count } = await sdk(stack).asset().query({ include_count: true }).find()
  assert.equal(count, 0)
  assert.deepEqual(await stack.faults.list(), [])
  await stack.faults.add({ status: 500, count: 1 })
  await stack.faults.clear()
  assert.deepEqual(await stack.faults.list(), [])
})

test('faults: an armed 500 reaches the SDK without retries as an error with its status', async () => {
  await stack.faults.add({ status: 500, count: 1 })
  const error = await sdk(stack, { retryOnHttpServerError: false }).asset().query().find().then(
    () => assert.fail('expected the fault'), (e) => e)
  assert.equal(error.status, 500)
})

test('errors of /_mock surface with status, errorCode and errors', async () => {
  const error = await stack.trash.restore('blt0123456789abcdef').then(() => assert.fail('expected a 404'), (e) => e)
  assert.ok(error instanceof MockError)
  assert.equal(error.status, 404)
  assert.equal(error.errorCode, 404)
  assert.deepEqual(typeof error.errors, 'object')
  const bad = await stack.clock.set('1999-01-01T00:00:00Z').then(() => assert.fail('expected a 422'), (e) => e)
  assert.equal(bad.status, 422)
  assert.equal(bad.errorCode, 120)
  assert.throws(() => stack.clock.advance({}), /days, hours, minutes or seconds/)
})

test('startMock({ url }) and CONTENTSTACK_MOCK_URL attach to a running mock; its stop() removes only its stacks', async () => {
  const attached = await startMock({ url: mock.url })
  const made = await attached.stack({ name: 'made while attached' })
  process.env.CONTENTSTACK_MOCK_URL = mock.url
  let fromEnv
  try {
    fromEnv = await startMock()
  } finally {
    delete process.env.CONTENTSTACK_MOCK_URL
  }
  assert.equal(fromEnv.url, mock.url)
  assert.equal(fromEnv.server, undefined)
  await attached.stop()
  const keys = (await mock.stacks()).map((s) => s.api_key)
  assert.ok(!keys.includes(made.apiKey), 'the attached stop() left its stack')
  assert.ok(keys.includes(stack.apiKey), 'the attached stop() removed a stack it did not make')
  assert.equal((await mock.health()).status, 'ok')
})

test('startMock() on a URL where nothing answers says so', async () => {
  await assert.rejects(startMock({ url: 'http://127.0.0.1:9', timeoutMs: 300 }), /127\.0\.0\.1:9 is not healthy/)
})

test('the types describe the kit', () => {
  const { readFileSync } = require('node:fs')
  const types = readFileSync(require.resolve('contentstack-mock/index.d.ts'), 'utf8')
  for (const name of ['startMock', 'managementClientOptions', 'deliveryStackOptions', 'snapshot', 'requests', 'clearRequests', 'advance']) {
    assert.ok(types.includes(name), `index.d.ts lacks ${name}`)
  }
})

test('a process that ends without stop() leaves no mock behind', async () => {
  const script = `
    const { startMock } = require('contentstack-mock')
    startMock().then((mock) => { console.log(mock.url); process.exit(0) })
  `
  const { spawnSync } = require('node:child_process')
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(out.status, 0, out.stderr)
  const url = out.stdout.trim()
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const deadline = Date.now() + 10000
  let answers = true
  while (answers && Date.now() < deadline) {
    answers = await fetch(`${url}/_mock/health`).then(() => true, () => false)
    if (answers) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.equal(answers, false, `${url} still answers after its process ended`)
})
