'use strict'
// What a site sees while content changes behind it, read through
// @contentstack/delivery-sdk: a replace after publishing, version pinning,
// unpublishing, deleting and restoring, and deleting an environment.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, w, sdk

const FIRST = Buffer.from('first version of the file\n')
const SECOND = Buffer.from('second version, replaced after publishing\n')

before(async () => {
  server = await h.startServer()
  w = await h.createWorld(server, 'delivery lifecycle')
  sdk = w.sdk('development')
})

after(async () => {
  if (server) await server.stop()
})

/** GET on a file url (it names the address the SDK used, so it works as it is). */
async function download (url) {
  const res = await fetch(url)
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) }
}

describe('replace after publishing', () => {
  it('serves the published version (url, filename, file_size, _version, bytes) until it is published again', async () => {
    const { cma } = w
    const v1 = await cma.upload(FIRST, 'first.txt', { contentType: 'text/plain', title: 'Replaced later' })
    await cma.publish(v1.uid)
    const publishedV1 = await cma.fetchAsset(v1.uid)
    const v2 = await cma.replace(v1.uid, SECOND, 'second.txt', 'text/plain')
    assert.equal(v2._version, 2)
    assert.notEqual(v2.url, v1.url)

    const got = await sdk.asset(v1.uid).fetch()
    h.assertDelivered(got, publishedV1, { envUid: w.env.development })
    assert.equal(got._version, 1)
    assert.equal(got.url, v1.url)
    assert.equal(got.filename, 'first.txt')
    assert.equal(got.file_size, String(FIRST.length))
    const listed = (await sdk.asset().query().where('uid', h.QueryOperation.EQUALS, v1.uid).find()).assets
    assert.deepEqual(listed.map((x) => [x._version, x.url]), [[1, v1.url]])
    assert.deepEqual(await download(got.url), { status: 200, bytes: FIRST })

    await cma.publish(v1.uid)
    const again = await sdk.asset(v1.uid).fetch()
    assert.equal(again._version, 2)
    assert.equal(again.url, v2.url)
    assert.equal(again.filename, 'second.txt')
    assert.equal(again.file_size, String(SECOND.length))
    assert.deepEqual(await download(again.url), { status: 200, bytes: SECOND })
  })
})

describe('version pinning', () => {
  it('publishing version 1 of two delivers version 1; version(n) answers only the published one', async () => {
    const { cma } = w
    const a = await cma.upload(FIRST, 'pinned.txt', { contentType: 'text/plain', title: 'Pinned title' })
    const v1 = await cma.fetchAsset(a.uid)
    const v2 = await cma.updateTitle(a.uid, 'Title of version two')
    assert.equal(v2._version, 2)
    await cma.publish(a.uid, { version: 1 })

    const got = await sdk.asset(a.uid).fetch()
    assert.equal(got._version, 1)
    assert.equal(got.title, v1.title)
    assert.equal((await sdk.asset(a.uid).version(1).fetch())._version, 1)
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).version(2).fetch()))

    await cma.publish(a.uid)
    const latest = await sdk.asset(a.uid).fetch()
    assert.equal(latest._version, 2)
    assert.equal(latest.title, 'Title of version two')
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).version(1).fetch()))
  })
})

describe('unpublish', () => {
  it('removes the asset from that locale only, then from delivery altogether', async () => {
    const { cma } = w
    const a = await cma.upload(FIRST, 'unpublished.txt', { contentType: 'text/plain' })
    await cma.publish(a.uid, { locales: ['en-us', 'fr-fr'] })
    assert.equal((await sdk.asset(a.uid).locale('fr-fr').fetch()).publish_details.locale, 'fr-fr')

    await cma.unpublish(a.uid, { locales: ['fr-fr'] })
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).locale('fr-fr').fetch()))
    // With the fallback, fr-fr readers get the en-us copy.
    assert.equal((await sdk.asset(a.uid).locale('fr-fr').includeFallback().fetch()).publish_details.locale, 'en-us')
    assert.equal((await sdk.asset(a.uid).fetch()).publish_details.locale, 'en-us')

    await cma.unpublish(a.uid)
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).fetch()))
    const listed = await sdk.asset().query().where('uid', h.QueryOperation.EQUALS, a.uid).find()
    assert.deepEqual(listed.assets, [])
  })
})

describe('delete and restore', () => {
  it('delete removes the asset from delivery at once; restore does not bring it back', async () => {
    const { cma } = w
    const a = await cma.upload(FIRST, 'deleted.txt', { contentType: 'text/plain' })
    await cma.publish(a.uid, { environments: ['development', 'production'] })
    const prod = w.sdk('production')
    assert.equal((await sdk.asset(a.uid).fetch()).uid, a.uid)
    assert.equal((await prod.asset(a.uid).fetch()).uid, a.uid)

    await cma.deleteAsset(a.uid)
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).fetch()))
    h.assertSdkNotFound(await h.rejection(prod.asset(a.uid).fetch()))
    const listed = await sdk.asset().query().where('uid', h.QueryOperation.EQUALS, a.uid).find()
    assert.deepEqual(listed.assets, [])
    assert.equal((await download(a.url)).status, 404, 'a trashed asset\'s file is gone too')

    const restored = await cma.restore(a.uid)
    assert.equal(restored.uid, a.uid)
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.uid).fetch()))
    h.assertSdkNotFound(await h.rejection(prod.asset(a.uid).fetch()))
    assert.deepEqual((await cma.fetchAsset(a.uid, { include_publish_details: 'true' })).publish_details, [])

    await cma.publish(a.uid)
    const back = await sdk.asset(a.uid).fetch()
    assert.equal(back._version, restored._version)
  })
})

describe('deleting an environment', () => {
  it('makes its content unreachable and its delivery token invalid', async () => {
    const { cma } = w
    await cma.createEnvironment('staging')
    const token = await cma.createDeliveryToken('staging site', ['staging'])
    const a = await cma.upload(FIRST, 'staged.txt', { contentType: 'text/plain' })
    await cma.publish(a.uid, { environments: ['staging'] })
    const staging = h.deliverySdk(server, { apiKey: w.apiKey, deliveryToken: token, environment: 'staging' })
    assert.equal((await staging.asset(a.uid).fetch()).uid, a.uid)

    await cma.deleteEnvironment('staging')
    const res = await h.request(server, 'GET', `/v3/assets/${a.uid}`, {
      headers: { api_key: w.apiKey, access_token: token },
      query: { environment: 'staging' }
    })
    assert.deepEqual(h.expect(res, 401, 'token of a deleted environment'), h.BAD_TOKEN)
    const list = await h.request(server, 'GET', '/v3/assets', {
      headers: { api_key: w.apiKey, access_token: token },
      query: { environment: 'staging' }
    })
    assert.deepEqual(h.expect(list, 401, 'list with the token of a deleted environment'), h.BAD_TOKEN)
  })
})
