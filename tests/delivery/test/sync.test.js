'use strict'
// The Sync API through @contentstack/delivery-sdk's stack.sync(): an initial
// sync over 250 published assets in pages of 100, then deltas with the
// sync_token after an unpublish, a delete, a restore and a republish. Also the
// list limits of the delivery API (default 100, at most 250), which need as
// many published assets.
//
// The tests of this file run in order and share the sync tokens.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

const N = 250
let server, w, sdk
let uploaded = []
let syncToken

before(async () => {
  server = await h.startServer()
  w = await h.createWorld(server, 'delivery sync')
  const { cma } = w
  uploaded = await h.inBatches(Array.from({ length: N }, (_, i) => i), 8,
    (i) => cma.upload(h.PNG_3X2, `pixel-${String(i).padStart(3, '0')}.png`, { contentType: 'image/png' }))
  await h.inBatches(uploaded, 8, (a) => cma.publish(a.uid))
  sdk = w.sdk('development')
})

after(async () => {
  if (server) await server.stop()
})

const publishedUids = () => uploaded.map((a) => a.uid).sort()

/** Every asset_published item of this stack: the delivered asset minus ACL, always with dimension. */
function assertPublishedItem (item, version = 1) {
  assert.equal(item.type, 'asset_published', JSON.stringify(item))
  assert.equal(item.content_type_uid, 'sys_assets')
  assert.match(item.event_at, h.ISO_RE)
  const d = item.data
  assert.match(d.uid, h.UID_RE)
  assert.equal('ACL' in d, false, `no ACL in sync data: ${Object.keys(d)}`)
  assert.deepEqual(d.dimension, { width: 3, height: 2 })
  assert.equal(d.publish_details.locale, 'en-us')
  assert.equal(d.publish_details.environment, w.env.development)
  assert.equal('version' in d.publish_details, false)
  assert.equal(d._version, version)
  assert.equal(d.content_type, 'image/png')
  assert.match(d.url, new RegExp(`^http://[^/]+/v3/assets/${w.apiKey}/${d.uid}/[^/]+/${d.filename.replace('.', '\\.')}$`))
}

/** event_at never increases along the list (newest first). */
function assertNewestFirst (items) {
  for (let i = 1; i < items.length; i++) {
    assert.ok(items[i - 1].event_at >= items[i].event_at,
      `item ${i} (${items[i].event_at}) is newer than item ${i - 1} (${items[i - 1].event_at})`)
  }
}

describe('delivery list limits', () => {
  it('find() answers 100 items by default, limit(250) all 250, includeCount() the total', async () => {
    const first = await sdk.asset().includeCount().find()
    assert.equal(first.assets.length, 100)
    assert.equal(first.count, N)
    const all = await sdk.asset().limit(250).find()
    assert.deepEqual(all.assets.map((a) => a.uid).sort(), publishedUids())
    const last = await sdk.asset().limit(100).skip(200).find()
    assert.equal(last.assets.length, 50)
  })
})

describe('initial sync', () => {
  it('the first page: 100 items, skip 0, limit 100, total_count 250 and a pagination_token', async () => {
    const page = await sdk.sync()
    assert.equal(page.items.length, 100)
    assert.equal(page.skip, 0)
    assert.equal(page.limit, 100)
    assert.equal(page.total_count, N)
    assert.equal(typeof page.pagination_token, 'string')
    assert.ok(page.pagination_token.length > 0)
    assert.equal(page.sync_token, undefined, 'no sync_token before the last page')
    page.items.forEach((item) => assertPublishedItem(item))
    assertNewestFirst(page.items)
  })

  it('pagination_token pages: 100, 100, then 50 with the sync_token', async () => {
    const pages = [await sdk.sync()]
    while (pages[pages.length - 1].pagination_token) {
      assert.ok(pages.length < 5, 'the pagination ends')
      pages.push(await sdk.sync({ paginationToken: pages[pages.length - 1].pagination_token }))
    }
    assert.deepEqual(pages.map((p) => p.items.length), [100, 100, 50])
    assert.deepEqual(pages.map((p) => p.skip), [0, 100, 200])
    assert.deepEqual(pages.map((p) => p.total_count), [N, N, N])
    const last = pages[2]
    assert.equal(typeof last.sync_token, 'string')
    assert.equal(last.pagination_token, undefined)
    const items = pages.flatMap((p) => p.items)
    assert.deepEqual(items.map((i) => i.data.uid).sort(), publishedUids(), 'every published asset exactly once')
    assertNewestFirst(items)
  })

  // The SDK follows pages `while ("pagination_token" in response)`: a last page with
  // `"pagination_token": null` would make it loop until this timeout.
  it('stack.sync({}, true) follows the pages and merges all 250 items', { timeout: 30000 }, async () => {
    const res = await sdk.sync({}, true)
    assert.equal(res.items.length, N)
    assert.deepEqual(res.items.map((i) => i.data.uid).sort(), publishedUids())
    res.items.forEach((item) => assertPublishedItem(item))
    assertNewestFirst(res.items)
    assert.equal(typeof res.sync_token, 'string')
    assert.equal(res.pagination_token, undefined)
    // DataSync downloads each item's url with a plain GET.
    const file = await fetch(res.items[0].data.url)
    assert.equal(file.status, 200)
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), h.PNG_3X2)
    syncToken = res.sync_token
  })
})

describe('deltas with the sync_token', () => {
  it('nothing changed: the same sync_token and no items', async () => {
    assert.ok(syncToken, 'the initial sync gave a sync_token')
    const res = await sdk.sync({ syncToken })
    assert.deepEqual(res, { items: [], sync_token: syncToken })
  })

  it('after an unpublish: exactly one asset_unpublished item with uid and locale', async () => {
    const gone = uploaded[10]
    await w.cma.unpublish(gone.uid)
    const res = await sdk.sync({ syncToken })
    assert.equal(res.items.length, 1, JSON.stringify(res.items))
    const [item] = res.items
    assert.equal(item.type, 'asset_unpublished')
    assert.equal(item.content_type_uid, 'sys_assets')
    assert.match(item.event_at, h.ISO_RE)
    assert.equal(item.data.uid, gone.uid)
    assert.equal(item.data.locale, 'en-us')
    assert.equal(typeof res.sync_token, 'string')
    assert.equal(res.pagination_token, undefined)
    syncToken = res.sync_token
    const quiet = await sdk.sync({ syncToken })
    assert.deepEqual(quiet, { items: [], sync_token: syncToken })
  })

  it('after a delete: one asset_deleted item; a restore emits nothing (the asset comes back unpublished)', async () => {
    const doomed = uploaded[20]
    await w.cma.deleteAsset(doomed.uid)
    const res = await sdk.sync({ syncToken })
    assert.equal(res.items.length, 1, JSON.stringify(res.items))
    assert.equal(res.items[0].type, 'asset_deleted')
    assert.equal(res.items[0].content_type_uid, 'sys_assets')
    assert.equal(res.items[0].data.uid, doomed.uid)
    assert.equal(res.items[0].data.locale, 'en-us')
    syncToken = res.sync_token

    await w.cma.restore(doomed.uid)
    const afterRestore = await sdk.sync({ syncToken })
    assert.deepEqual(afterRestore, { items: [], sync_token: syncToken })
  })

  it('after a republish: one asset_published item with the new version', async () => {
    const again = uploaded[20]
    await w.cma.publish(again.uid)
    const res = await sdk.sync({ syncToken })
    assert.equal(res.items.length, 1, JSON.stringify(res.items))
    // The restore made version 2, and that is what was published now.
    assertPublishedItem(res.items[0], 2)
    assert.equal(res.items[0].data.uid, again.uid)
    syncToken = res.sync_token
  })

  it('a new initial sync sees the current state: 249 published assets', { timeout: 30000 }, async () => {
    const res = await sdk.sync({}, true)
    const expected = publishedUids().filter((uid) => uid !== uploaded[10].uid)
    assert.deepEqual(res.items.map((i) => i.data.uid).sort(), expected)
    for (const item of res.items) assert.equal(item.type, 'asset_published')
  })
})

describe('a bad sync_token', () => {
  it('is 422 with error_code 141 and errors.sync_token (plain HTTP)', async () => {
    const res = await w.cda('/v3/stacks/sync', { sync_token: 'not-a-token' })
    const body = h.expect(res, 422, 'bad sync_token')
    assert.equal(body.error_code, 141)
    assert.equal(typeof body.error_message, 'string')
    assert.ok(Array.isArray(body.errors.sync_token), JSON.stringify(body))
  })

  it('rejects stack.sync() with status 422 and error_code 141', async () => {
    const err = await h.rejection(sdk.sync({ syncToken: 'not-a-token' }))
    assert.equal(err.status, 422, JSON.stringify(err))
    assert.equal(err.error_code, 141)
  })
})
