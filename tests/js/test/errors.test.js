'use strict'
// The errors the official JS SDK rejects with: a missing asset, a bad token, a
// bad api_key, a token of another stack; and stacks made by the control API.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, stack, files

before(async () => {
  server = await h.startServer()
  ;({ stack } = h.connect(server.port))
  files = h.fixtures()
})

after(async () => {
  if (server) await server.stop()
  if (files) files.cleanup()
})

/** The Contentstack error the SDK builds: status, errorCode, errorMessage, errors. */
function assertCsError (err, status, code, message) {
  assert.ok(err instanceof Error, 'the SDK rejects with an Error')
  assert.equal(err.status, status, `status (${err.message})`)
  assert.equal(err.errorCode, code, 'errorCode')
  assert.equal(typeof err.errorMessage, 'string')
  assert.ok(err.errorMessage.length > 0, 'errorMessage is not empty')
  if (message) assert.equal(err.errorMessage, message)
  assert.equal(typeof err.errors, 'object')
  // message is the JSON of the details, so it parses.
  const parsed = JSON.parse(err.message)
  assert.equal(parsed.status, status)
}

describe('missing asset: 422, error_code 145, "Asset was not found."', () => {
  it('fetch', async () => {
    const err = await h.rejection(stack.asset(h.MISSING_UID).fetch())
    assertCsError(err, 422, 145, 'Asset was not found.')
    assert.deepEqual(err.errors, { uid: ['is not valid.'] })
  })

  it('update', async () => {
    const asset = stack.asset(h.MISSING_UID)
    asset.title = 'x'
    const err = await h.rejection(asset.update())
    assertCsError(err, 422, 145, 'Asset was not found.')
  })

  it('replace', async () => {
    const err = await h.rejection(stack.asset(h.MISSING_UID).replace({ upload: files.hello }))
    assertCsError(err, 422, 145, 'Asset was not found.')
  })

  it('delete', async () => {
    const err = await h.rejection(stack.asset(h.MISSING_UID).delete())
    assertCsError(err, 422, 145, 'Asset was not found.')
  })

  it('a uid of the wrong shape is not found either', async () => {
    const err = await h.rejection(stack.asset('not-a-uid').fetch())
    assertCsError(err, 422, 145, 'Asset was not found.')
  })
})

describe('authentication', () => {
  it('a wrong management token: 401, error_code 105', async () => {
    const { stack: bad } = h.connect(server.port, { token: 'cs_wrong_token_000000000000000000' })
    const err = await h.rejection(bad.asset().query().find())
    assertCsError(err, 401, 105)
    // The SDK masks the token it reports.
    assert.ok(!JSON.stringify(err).includes('cs_wrong_token_000000000000000000'))
  })

  it('no token at all: 401, error_code 105', async () => {
    const c = h.makeClient(server.port)
    const noToken = c.stack({ api_key: h.DEFAULT_API_KEY })
    const err = await h.rejection(noToken.asset().query().find())
    assertCsError(err, 401, 105)
  })

  it('a wrong api_key: 412, error_code 109', async () => {
    const { stack: bad } = h.connect(server.port, { apiKey: 'blt00000000000000ff' })
    const err = await h.rejection(bad.asset().query().find())
    assertCsError(err, 412, 109)
    assert.ok(err.errors.api_key, `errors: ${JSON.stringify(err.errors)}`)
  })

  it('a wrong api_key on upload creates nothing', async () => {
    const { stack: bad } = h.connect(server.port, { apiKey: 'blt00000000000000ff' })
    const before = await stack.asset().query().count()
    const err = await h.rejection(bad.asset().create({ upload: files.hello }))
    assertCsError(err, 412, 109)
    assert.deepEqual(await stack.asset().query().count(), before)
  })
})

describe('stacks from the control API (POST /_mock/stacks)', () => {
  it('a new stack is empty, isolated, and works with the SDK', async () => {
    const created = await h.createStack(server, 'js-isolated')
    const { stack: other } = h.connect(server.port, { apiKey: created.api_key, token: created.management_token })
    assert.deepEqual(await other.asset().query().count(), { assets: 0 })
    const mine = await stack.asset().create({ upload: files.hello, title: 'default stack only' })
    const theirs = await other.asset().create({ upload: files.hello, title: 'other stack only' })
    h.assertFileAsset(theirs)
    assert.ok(theirs.url.includes(`/v3/assets/${created.api_key}/${theirs.uid}/`), theirs.url)
    const list = await other.asset().query({ include_count: true }).find()
    assert.deepEqual(list.items.map((a) => a.uid), [theirs.uid])
    assert.equal(list.count, 1)
    const err = await h.rejection(other.asset(mine.uid).fetch())
    assertCsError(err, 422, 145)
  })

  it('the token of one stack with the api_key of another: 401, no data of either', async () => {
    const created = await h.createStack(server, 'js-cross')
    const { stack: crossed } = h.connect(server.port, { apiKey: h.DEFAULT_API_KEY, token: created.management_token })
    const err = await h.rejection(crossed.asset().query().find())
    assertCsError(err, 401, 105)
    const { stack: crossed2 } = h.connect(server.port, { apiKey: created.api_key, token: h.DEFAULT_TOKEN })
    const err2 = await h.rejection(crossed2.asset().query().find())
    assertCsError(err2, 401, 105)
  })
})
