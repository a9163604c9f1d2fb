'use strict'
// Listing and querying assets through the official JS SDK: query().find(),
// count(), findOne(), include_count, skip/limit, folder, include_folders and
// `query` filters. One server (fresh stack) for this file, with a fixed data set.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, stack, files
// The data set: folders Docs (root) and Nested (in Docs); files alpha (root),
// pixel (root), beta (in Docs), gamma (in Nested), created in that order.
const d = {}

before(async () => {
  server = await h.startServer()
  ;({ stack } = h.connect(server.port))
  files = h.fixtures()
  d.docs = await stack.asset().folder().create({ asset: { name: 'Docs' } })
  d.nested = await stack.asset().folder().create({ asset: { name: 'Nested', parent_uid: d.docs.uid } })
  // A pause between uploads keeps every created_at distinct (millisecond timestamps),
  // so the created_at ordering checks below are deterministic.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5))
  d.alpha = await stack.asset().create({ upload: files.hello, title: 'Alpha', tags: ['red'] })
  await pause()
  d.pixel = await stack.asset().create({ upload: files.png, title: 'Pixel', tags: ['blue'] })
  await pause()
  d.beta = await stack.asset().create({ upload: files.hello, title: 'Beta', tags: ['red', 'blue'], parent_uid: d.docs.uid })
  await pause()
  d.gamma = await stack.asset().create({ upload: files.replacement, title: 'Gamma', parent_uid: d.nested.uid })
})

after(async () => {
  if (server) await server.stop()
  if (files) files.cleanup()
})

const uids = (collection) => collection.items.map((a) => a.uid)
const sorted = (list) => [...list].sort()

describe('find', () => {
  it('lists every file asset (no folders) as Asset objects, with include_count', async () => {
    const res = await stack.asset().query({ include_count: true }).find()
    assert.equal(res.count, 4)
    assert.equal(typeof res.count, 'number')
    assert.deepEqual(sorted(uids(res)), sorted([d.alpha.uid, d.pixel.uid, d.beta.uid, d.gamma.uid]))
    for (const a of res.items) {
      h.assertFileAsset(a)
      assert.equal(typeof a.fetch, 'function')
    }
  })

  it('without include_count there is no count', async () => {
    const res = await stack.asset().query().find()
    assert.equal(res.count, undefined)
    assert.equal(res.items.length, 4)
  })

  it('asc=created_at gives creation order; desc=created_at the reverse', async () => {
    const asc = await stack.asset().query({ asc: 'created_at' }).find()
    assert.deepEqual(uids(asc), [d.alpha.uid, d.pixel.uid, d.beta.uid, d.gamma.uid])
    const desc = await stack.asset().query({ desc: 'created_at' }).find()
    assert.deepEqual(uids(desc), [d.gamma.uid, d.beta.uid, d.pixel.uid, d.alpha.uid])
  })

  it('skip and limit page through the list; count is the total', async () => {
    const page1 = await stack.asset().query({ asc: 'created_at', limit: 2, include_count: true }).find()
    assert.deepEqual(uids(page1), [d.alpha.uid, d.pixel.uid])
    assert.equal(page1.count, 4)
    const page2 = await stack.asset().query({ asc: 'created_at', skip: 2, limit: 2 }).find()
    assert.deepEqual(uids(page2), [d.beta.uid, d.gamma.uid])
    const past = await stack.asset().query({ skip: 10, include_count: true }).find()
    assert.deepEqual(past.items, [])
    assert.equal(past.count, 4)
  })

  it('findOne() returns a single item', async () => {
    const res = await stack.asset().query({ asc: 'created_at' }).findOne()
    assert.deepEqual(uids(res), [d.alpha.uid])
  })
})

describe('count', () => {
  it('count() answers {assets: N}', async () => {
    assert.deepEqual(await stack.asset().query().count(), { assets: 4 })
  })

  it('count() with a query counts matches only (folders by is_dir)', async () => {
    assert.deepEqual(await stack.asset().query({ query: { is_dir: true } }).count(), { assets: 2 })
    assert.deepEqual(await stack.asset().query({ query: { tags: 'red' } }).count(), { assets: 2 })
  })
})

describe('folder and include_folders', () => {
  it('folder=<uid> lists only the files directly in that folder', async () => {
    const res = await stack.asset().query({ folder: d.docs.uid, include_count: true }).find()
    assert.deepEqual(uids(res), [d.beta.uid])
    assert.equal(res.count, 1)
  })

  it('folder=<uid> with include_folders adds its subfolders', async () => {
    const res = await stack.asset().query({ folder: d.docs.uid, include_folders: true }).find()
    assert.deepEqual(sorted(uids(res)), sorted([d.beta.uid, d.nested.uid]))
    const nested = res.items.find((a) => a.uid === d.nested.uid)
    h.assertFolder(nested)
    assert.equal(nested.name, 'Nested')
    assert.equal(nested.parent_uid, d.docs.uid)
  })

  it('folder=cs_root lists the root files; with include_folders also the root folders', async () => {
    const files = await stack.asset().query({ folder: 'cs_root' }).find()
    assert.deepEqual(sorted(uids(files)), sorted([d.alpha.uid, d.pixel.uid]))
    const all = await stack.asset().query({ folder: 'cs_root', include_folders: true, include_count: true }).find()
    assert.deepEqual(sorted(uids(all)), sorted([d.alpha.uid, d.pixel.uid, d.docs.uid]))
    assert.equal(all.count, 3)
  })

  it('a folder that does not exist is an error', async () => {
    const err = await h.rejection(stack.asset().query({ folder: h.MISSING_UID }).find())
    assert.ok(err.status === 404 || err.status === 422, `status ${err.status}`)
    assert.equal(typeof err.errorMessage, 'string')
  })
})

describe('query filters', () => {
  it('{is_dir: true} lists the folders', async () => {
    const res = await stack.asset().query({ query: { is_dir: true } }).find()
    assert.deepEqual(sorted(uids(res)), sorted([d.docs.uid, d.nested.uid]))
    res.items.forEach(h.assertFolder)
  })

  it('{is_dir: true, name} finds a folder by name', async () => {
    const res = await stack.asset().query({ query: { is_dir: true, name: 'Nested' } }).find()
    assert.deepEqual(uids(res), [d.nested.uid])
  })

  it('{title: "Beta"} matches by equality', async () => {
    const res = await stack.asset().query({ query: { title: 'Beta' } }).find()
    assert.deepEqual(uids(res), [d.beta.uid])
    assert.equal(res.items[0].title, 'Beta')
  })

  it('$in on title and on tags', async () => {
    const byTitle = await stack.asset().query({ query: { title: { $in: ['Alpha', 'Gamma', 'Nope'] } } }).find()
    assert.deepEqual(sorted(uids(byTitle)), sorted([d.alpha.uid, d.gamma.uid]))
    const byTag = await stack.asset().query({ query: { tags: { $in: ['blue'] } } }).find()
    assert.deepEqual(sorted(uids(byTag)), sorted([d.pixel.uid, d.beta.uid]))
  })

  it('$regex, with and without $options i', async () => {
    const exact = await stack.asset().query({ query: { title: { $regex: '^[AB]' } } }).find()
    assert.deepEqual(sorted(uids(exact)), sorted([d.alpha.uid, d.beta.uid]))
    const none = await stack.asset().query({ query: { title: { $regex: '^alpha$' } } }).find()
    assert.deepEqual(uids(none), [])
    const ci = await stack.asset().query({ query: { title: { $regex: '^alpha$', $options: 'i' } } }).find()
    assert.deepEqual(uids(ci), [d.alpha.uid])
  })

  it('filters combine with folder and include_count', async () => {
    const res = await stack.asset().query({ folder: 'cs_root', query: { tags: 'blue' }, include_count: true }).find()
    assert.deepEqual(uids(res), [d.pixel.uid])
    assert.equal(res.count, 1)
  })

  it('a filter on an unknown operator is rejected with a Contentstack error', async () => {
    const err = await h.rejection(stack.asset().query({ query: { title: { $near: 1 } } }).find())
    assert.equal(err.status, 422)
    assert.equal(typeof err.errorCode, 'number')
    assert.equal(typeof err.errorMessage, 'string')
    assert.ok(err.errors && err.errors.query, `errors: ${JSON.stringify(err.errors)}`)
  })
})
