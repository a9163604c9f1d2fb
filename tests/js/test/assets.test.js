'use strict'
// Upload, fetch, update, replace, versions, download and delete of single assets,
// driven through the official JS management SDK.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, client, stack, files

before(async () => {
  server = await h.startServer()
  ;({ client, stack } = h.connect(server.port))
  files = h.fixtures()
})

after(async () => {
  if (server) await server.stop()
  if (files) files.cleanup()
})

/** GET /v3/assets/{uid}/versions through the SDK's own HTTP client (the JS SDK has no asset versions call). */
async function versions (uid, params = {}) {
  const res = await client.axiosInstance.get(`/assets/${uid}/versions`, {
    headers: { api_key: h.DEFAULT_API_KEY },
    params
  })
  assert.equal(res.status, 200)
  return res.data
}

// The url names the host the SDK reached the mock by (its `cma.mock` hostname).
const URL_RE = (uid, filename) => new RegExp(
  `^http://cma\\.mock:\\d+/v3/assets/${h.DEFAULT_API_KEY}/${uid}/[a-f0-9]{24}/${filename.replace('.', '\\.')}$`)

describe('upload', () => {
  it('from a file path, with title, description, tags and parent folder', async () => {
    const folder = await stack.asset().folder().create({ asset: { name: 'Uploads' } })
    const asset = await stack.asset().create({
      upload: files.hello,
      title: 'Hello title',
      description: 'A greeting',
      tags: ['greeting', 'text'],
      parent_uid: folder.uid
    })
    h.assertFileAsset(asset)
    assert.equal(asset.title, 'Hello title')
    assert.equal(asset.description, 'A greeting')
    assert.deepEqual(asset.tags, ['greeting', 'text'])
    assert.equal(asset.parent_uid, folder.uid)
    assert.equal(asset.filename, 'hello.txt')
    assert.equal(asset.content_type, 'text/plain')
    assert.equal(asset.file_size, String(files.helloBytes.length))
    assert.equal(asset._version, 1)
    assert.equal(asset.created_at, asset.updated_at)
    assert.match(asset.url, URL_RE(asset.uid, 'hello.txt'))
    // The SDK wraps the result in an Asset object with the asset's methods.
    assert.equal(typeof asset.fetch, 'function')
    assert.equal(typeof asset.update, 'function')
  })

  it('without a title: the title defaults to the filename, no description, no tags', async () => {
    const asset = await stack.asset().create({ upload: files.hello })
    h.assertFileAsset(asset)
    assert.equal(asset.title, 'hello.txt')
    assert.equal(asset.description, undefined)
    assert.deepEqual(asset.tags, [])
    assert.equal(asset.parent_uid, null)
  })

  it('tags given as one comma-separated string are split and trimmed', async () => {
    const asset = await stack.asset().create({ upload: files.hello, tags: 'one, two,three' })
    assert.deepEqual(asset.tags, ['one', 'two', 'three'])
  })

  it('from an in-memory Buffer with filename and content_type', async () => {
    const asset = await stack.asset().create({
      upload: h.PNG_3X2,
      filename: 'buffer-pixel.png',
      content_type: 'image/png',
      title: 'From a buffer'
    })
    h.assertFileAsset(asset)
    assert.equal(asset.filename, 'buffer-pixel.png')
    assert.equal(asset.content_type, 'image/png')
    assert.equal(asset.file_size, String(h.PNG_3X2.length))
    assert.equal(asset.title, 'From a buffer')
    const fetched = await stack.asset(asset.uid).fetch({ include_dimension: true })
    assert.deepEqual(fetched.dimension, { height: 2, width: 3 })
  })

  it('from a Buffer without filename: the SDK default name uploaded_file', async () => {
    const asset = await stack.asset().create({ upload: Buffer.from('abc') })
    assert.equal(asset.filename, 'uploaded_file')
    assert.equal(asset.title, 'uploaded_file')
    assert.equal(asset.content_type, 'application/octet-stream')
    assert.equal(asset.file_size, '3')
  })

  it('into a folder that does not exist is refused and creates nothing', async () => {
    const before = await stack.asset().query().count()
    const err = await h.rejection(stack.asset().create({ upload: files.hello, parent_uid: h.MISSING_UID }))
    assert.ok(err.status >= 400 && err.status < 500, `status ${err.status}`)
    assert.equal(typeof err.errorMessage, 'string')
    assert.equal(typeof err.errorCode, 'number')
    assert.deepEqual(await stack.asset().query().count(), before)
  })
})

describe('fetch', () => {
  it('returns the same asset the upload returned', async () => {
    const created = await stack.asset().create({ upload: files.hello, title: 'Fetch me', tags: ['t'] })
    const fetched = await stack.asset(created.uid).fetch()
    h.assertFileAsset(fetched)
    for (const key of ['uid', 'title', 'filename', 'url', 'file_size', 'content_type', 'created_at',
      'updated_at', 'parent_uid', '_version']) {
      assert.deepEqual(fetched[key], created[key], key)
    }
    assert.deepEqual(fetched.tags, ['t'])
  })

  it('include_publish_details gives an empty publish_details array for a new asset', async () => {
    const created = await stack.asset().create({ upload: files.hello })
    const fetched = await stack.asset(created.uid).fetch({ include_publish_details: true })
    assert.deepEqual(fetched.publish_details, [])
  })
})

describe('update (the SDK PUTs the whole fetched object back)', () => {
  it('changes title, description and tags, bumps _version, keeps the file', async () => {
    const created = await stack.asset().create({ upload: files.hello, title: 'Before', tags: ['old'] })
    const asset = await stack.asset(created.uid).fetch()
    asset.title = 'After'
    asset.description = 'Now described'
    asset.tags = ['new', 'tags']
    const updated = await asset.update()
    h.assertFileAsset(updated)
    assert.equal(updated.uid, created.uid)
    assert.equal(updated.title, 'After')
    assert.equal(updated.description, 'Now described')
    assert.deepEqual(updated.tags, ['new', 'tags'])
    assert.equal(updated._version, 2)
    assert.equal(updated.url, created.url)
    assert.equal(updated.filename, created.filename)
    assert.equal(updated.file_size, created.file_size)
    assert.equal(updated.created_at, created.created_at)
    const again = await stack.asset(created.uid).fetch()
    assert.equal(again.title, 'After')
    assert.equal(again._version, 2)
  })

  it('ignores read-only fields sent back (url, filename, file_size, _version, is_dir, content_type)', async () => {
    const created = await stack.asset().create({ upload: files.hello })
    const asset = await stack.asset(created.uid).fetch()
    asset.title = 'Renamed only'
    asset.url = 'http://evil.example/x.txt'
    asset.filename = 'evil.txt'
    asset.file_size = '1'
    asset._version = 99
    asset.is_dir = true
    asset.content_type = 'application/x-evil'
    const updated = await asset.update()
    assert.equal(updated.title, 'Renamed only')
    assert.equal(updated.url, created.url)
    assert.equal(updated.filename, 'hello.txt')
    assert.equal(updated.file_size, created.file_size)
    assert.equal(updated._version, 2)
    assert.equal(updated.is_dir, false)
    assert.equal(updated.content_type, 'text/plain')
  })

  it('moves the asset into a folder by parent_uid, and back to the root', async () => {
    const folder = await stack.asset().folder().create({ asset: { name: 'Move target' } })
    const created = await stack.asset().create({ upload: files.hello })
    const asset = await stack.asset(created.uid).fetch()
    asset.parent_uid = folder.uid
    const moved = await asset.update()
    assert.equal(moved.parent_uid, folder.uid)
    const inFolder = await stack.asset().query({ folder: folder.uid }).find()
    assert.deepEqual(inFolder.items.map((a) => a.uid), [created.uid])
    moved.parent_uid = null
    const back = await moved.update()
    assert.equal(back.parent_uid, null)
    assert.equal(back._version, 3)
    const empty = await stack.asset().query({ folder: folder.uid }).find()
    assert.deepEqual(empty.items, [])
  })

  it('fetch({version}) returns an older version as it was', async () => {
    const created = await stack.asset().create({ upload: files.hello, title: 'Version one' })
    const asset = await stack.asset(created.uid).fetch()
    asset.title = 'Version two'
    await asset.update()
    const v1 = await stack.asset(created.uid).fetch({ version: 1 })
    assert.equal(v1._version, 1)
    assert.equal(v1.title, 'Version one')
    const latest = await stack.asset(created.uid).fetch()
    assert.equal(latest._version, 2)
    assert.equal(latest.title, 'Version two')
  })
})

describe('replace', () => {
  it('from a file path: new file, same uid, _version + 1, new url that serves the new bytes', async () => {
    const created = await stack.asset().create({ upload: files.hello, title: 'Kept title' })
    const replaced = await stack.asset(created.uid).replace({ upload: files.replacement })
    h.assertFileAsset(replaced)
    assert.equal(replaced.uid, created.uid)
    assert.equal(replaced._version, 2)
    assert.equal(replaced.filename, 'replacement.txt')
    assert.equal(replaced.file_size, String(files.replacementBytes.length))
    assert.notEqual(replaced.url, created.url)
    assert.match(replaced.url, URL_RE(created.uid, 'replacement.txt'))
    const res = await stack.asset().download({ url: replaced.url, responseType: 'arraybuffer' })
    assert.deepEqual(Buffer.from(res.data), files.replacementBytes)
  })

  it('from a Buffer with filename, content_type and a new title', async () => {
    const created = await stack.asset().create({ upload: files.hello })
    const replaced = await stack.asset(created.uid).replace({
      upload: h.PNG_3X2, filename: 'now-a-png.png', content_type: 'image/png', title: 'Now a PNG'
    })
    assert.equal(replaced.uid, created.uid)
    assert.equal(replaced.filename, 'now-a-png.png')
    assert.equal(replaced.content_type, 'image/png')
    assert.equal(replaced.file_size, String(h.PNG_3X2.length))
    assert.equal(replaced.title, 'Now a PNG')
    assert.equal(replaced._version, 2)
  })
})

describe('versions', () => {
  it('lists every version newest first, with updated_at and updated_by', async () => {
    const created = await stack.asset().create({ upload: files.hello })
    const asset = await stack.asset(created.uid).fetch()
    asset.title = 'second'
    await asset.update()
    await stack.asset(created.uid).replace({ upload: files.replacement })
    const body = await versions(created.uid)
    assert.deepEqual(body.versions.map((v) => v._version), [3, 2, 1])
    for (const v of body.versions) {
      assert.match(v.updated_at, h.ISO_RE)
      assert.equal(typeof v.updated_by, 'string')
    }
    assert.equal(body.versions[2].updated_at, created.created_at)
    const counted = await versions(created.uid, { include_count: true })
    assert.equal(counted.count, 3)
  })
})

describe('download through the asset url', () => {
  it('asset.download({responseType}) gives the exact bytes, type and length', async () => {
    const asset = await stack.asset().create({ upload: files.bin, content_type: 'application/octet-stream' })
    assert.equal(asset.file_size, '256')
    const res = await asset.download({ responseType: 'arraybuffer' })
    assert.equal(res.status, 200)
    assert.deepEqual(Buffer.from(res.data), h.ALL_BYTES)
    assert.equal(res.headers['content-length'], '256')
    assert.match(res.headers['content-type'], /^application\/octet-stream/)
  })

  it('stack.asset().download({url}) works for a PNG, and the url needs no auth headers', async () => {
    const asset = await stack.asset().create({ upload: files.png })
    assert.equal(asset.content_type, 'image/png')
    const res = await stack.asset().download({ url: asset.url, responseType: 'arraybuffer' })
    assert.deepEqual(Buffer.from(res.data), h.PNG_3X2)
    assert.match(res.headers['content-type'], /^image\/png/)
    // The file host is public: a bare GET with no api_key or token works too.
    const bare = await fetch(asset.url.replace('//cma.mock:', '//127.0.0.1:'))
    assert.equal(bare.status, 200)
    assert.deepEqual(Buffer.from(await bare.arrayBuffer()), h.PNG_3X2)
  })
})

describe('delete', () => {
  it('answers the notice, then the asset, its listing entry and its url are gone', async () => {
    const asset = await stack.asset().create({ upload: files.hello, title: 'Doomed' })
    const res = await stack.asset(asset.uid).delete()
    assert.equal(res.notice, 'Asset deleted successfully.')
    const err = await h.rejection(stack.asset(asset.uid).fetch())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 145)
    const listed = await stack.asset().query({ query: { uid: asset.uid } }).find()
    assert.deepEqual(listed.items, [])
    const file = await fetch(asset.url.replace('//cma.mock:', '//127.0.0.1:'))
    assert.equal(file.status, 404)
    const again = await h.rejection(stack.asset(asset.uid).delete())
    assert.equal(again.status, 422)
    assert.equal(again.errorCode, 145)
  })
})
