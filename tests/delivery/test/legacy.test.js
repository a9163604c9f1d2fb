'use strict'
// The legacy `contentstack` delivery SDK (3.x), still used by older sites and
// by the CLI: it lists with a trailing slash (`/v3/assets/`), form-encodes
// `query` (spaces as `+`), answers find() as [assets, count?], and does not
// retry a 401, so its errors carry the real body.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, w, legacy
const a = {}
const published = {}

before(async () => {
  server = await h.startServer()
  w = await h.createWorld(server, 'delivery legacy')
  const { cma } = w
  a.pixel = await cma.upload(h.PNG_3X2, 'pixel.png', { contentType: 'image/png', title: 'Pixel' })
  await h.pause()
  a.hello = await cma.upload(Buffer.from('hello, legacy reader\n'), 'hello.txt', { contentType: 'text/plain', title: 'Hello world' })
  await h.pause()
  a.draft = await cma.upload(Buffer.from('draft\n'), 'draft.txt', { contentType: 'text/plain', title: 'Draft' })
  await cma.publish(a.pixel.uid)
  await cma.publish(a.hello.uid, { locales: ['en-us', 'fr-fr'] })
  published.pixel = await cma.fetchAsset(a.pixel.uid)
  published.hello = await cma.fetchAsset(a.hello.uid)
  legacy = w.legacy('development')
})

after(async () => {
  if (server) await server.stop()
})

describe('legacy SDK: Assets(uid).fetch()', () => {
  it('answers the published asset', async () => {
    const got = (await legacy.Assets(a.hello.uid).toJSON().fetch())
    h.assertDelivered(got, published.hello, { envUid: w.env.development })
  })

  it('with include_dimension and a locale with fallback', async () => {
    const got = await legacy.Assets(a.pixel.uid).addParam('include_dimension', 'true')
      .addParam('locale', 'fr-fr').includeFallback().toJSON().fetch()
    h.assertDelivered(got, published.pixel, { envUid: w.env.development, locale: 'en-us', dimension: true })
    assert.deepEqual(got.dimension, { width: 3, height: 2 })
  })

  it('not published: rejects with status 404, error_code 145', async () => {
    const err = await h.rejection(legacy.Assets(a.draft.uid).toJSON().fetch())
    assert.equal(err.status, 404, JSON.stringify(err))
    assert.equal(err.error_code, 145)
    assert.equal(err.error_message, 'Asset was not found.')
  })

  it('a wrong delivery token: rejects with status 401, error_code 105 (no retry hides it)', async () => {
    const bad = h.legacySdk(server, { apiKey: w.apiKey, deliveryToken: 'cs000000000000000000000000', environment: 'development' })
    const err = await h.rejection(bad.Assets(a.hello.uid).toJSON().fetch())
    assert.equal(err.status, 401, JSON.stringify(err))
    assert.equal(err.error_code, 105)
    assert.deepEqual(err.errors, { access_token: ['is not valid.'] })
  })
})

describe('legacy SDK: Assets().Query().find() on /v3/assets/', () => {
  it('answers [assets], newest first, one item per published locale', async () => {
    const result = await legacy.Assets().Query().toJSON().find()
    assert.equal(result.length, 1, 'no count unless asked for')
    const [assets] = result
    assert.deepEqual(assets.map((x) => `${x.uid}/${x.publish_details.locale}`).sort(),
      [`${a.pixel.uid}/en-us`, `${a.hello.uid}/en-us`, `${a.hello.uid}/fr-fr`].sort())
  })

  it('includeCount() and limit(): [assets, count]', async () => {
    const [assets, count] = await legacy.Assets().Query().language('en-us').includeCount().limit(1).toJSON().find()
    assert.deepEqual(assets.map((x) => x.uid), [a.hello.uid])
    assert.equal(count, 2)
  })

  it('where() with a space in the value (form-encoded as +)', async () => {
    const [assets] = await legacy.Assets().Query().where('title', 'Hello world').language('en-us').toJSON().find()
    assert.deepEqual(assets.map((x) => x.uid), [a.hello.uid])
    h.assertDelivered(assets[0], published.hello, { envUid: w.env.development })
  })

  it('language(fr-fr) with includeFallback()', async () => {
    const [own] = await legacy.Assets().Query().language('fr-fr').toJSON().find()
    assert.deepEqual(own.map((x) => x.uid), [a.hello.uid])
    const [withFallback] = await legacy.Assets().Query().language('fr-fr').includeFallback().toJSON().find()
    assert.deepEqual(withFallback.map((x) => `${x.uid}/${x.publish_details.locale}`).sort(),
      [`${a.hello.uid}/fr-fr`, `${a.pixel.uid}/en-us`].sort())
  })
})

describe('legacy SDK: sync (as the CLI uses it)', () => {
  it('init with type=asset_published and a locale', async () => {
    const res = await legacy.sync({ init: true, type: 'asset_published', locale: 'en-us' })
    assert.deepEqual(res.items.map((i) => i.data.uid).sort(), [a.pixel.uid, a.hello.uid].sort())
    for (const item of res.items) {
      assert.equal(item.type, 'asset_published')
      assert.equal(item.data.publish_details.locale, 'en-us')
    }
    assert.equal(typeof res.sync_token, 'string')
  })
})
