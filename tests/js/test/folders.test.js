'use strict'
// Asset folders through the official JS SDK: create, fetch, rename, move, delete.

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

describe('folders', () => {
  it('create at the root and inside a parent', async () => {
    const top = await stack.asset().folder().create({ asset: { name: 'Top', parent_uid: null } })
    h.assertFolder(top)
    assert.equal(top.name, 'Top')
    assert.equal(top.parent_uid, null)
    assert.equal(top._version, 1)
    assert.deepEqual(top.tags, [])
    assert.equal(top.title, undefined, 'a folder has a name, not a title')
    assert.equal(typeof top.fetch, 'function')
    const child = await stack.asset().folder().create({ asset: { name: 'Child', parent_uid: top.uid } })
    h.assertFolder(child)
    assert.equal(child.parent_uid, top.uid)
  })

  it('create without a name is refused', async () => {
    const err = await h.rejection(stack.asset().folder().create({ asset: {} }))
    assert.ok(err.status === 400 || err.status === 422, `status ${err.status}`)
    assert.equal(typeof err.errorMessage, 'string')
  })

  it('create under a parent that does not exist is refused', async () => {
    const err = await h.rejection(stack.asset().folder().create({ asset: { name: 'Orphan', parent_uid: h.MISSING_UID } }))
    assert.ok(err.status >= 400 && err.status < 500, `status ${err.status}`)
    assert.equal(typeof err.errorCode, 'number')
  })

  it('fetch, and fetch with include_path lists the ancestors', async () => {
    const a = await stack.asset().folder().create({ asset: { name: 'A' } })
    const b = await stack.asset().folder().create({ asset: { name: 'B', parent_uid: a.uid } })
    const c = await stack.asset().folder().create({ asset: { name: 'C', parent_uid: b.uid } })
    const fetched = await stack.asset().folder(c.uid).fetch()
    h.assertFolder(fetched)
    assert.equal(fetched.uid, c.uid)
    assert.equal(fetched.name, 'C')
    assert.equal(fetched.parent_uid, b.uid)
    const withPath = await stack.asset().folder(c.uid).fetch({ include_path: true })
    assert.ok(Array.isArray(withPath.path), 'path must be an array')
    const names = withPath.path.map((p) => p.name)
    assert.ok(names.includes('A') && names.includes('B'), `path: ${JSON.stringify(withPath.path)}`)
    for (const p of withPath.path) assert.match(p.uid, h.UID_RE)
  })

  it('rename through update() (the SDK PUTs the whole folder back)', async () => {
    const created = await stack.asset().folder().create({ asset: { name: 'Old name' } })
    const folder = await stack.asset().folder(created.uid).fetch()
    folder.name = 'New name'
    const renamed = await folder.update()
    h.assertFolder(renamed)
    assert.equal(renamed.uid, created.uid)
    assert.equal(renamed.name, 'New name')
    assert.equal(renamed._version, 2)
    const again = await stack.asset().folder(created.uid).fetch()
    assert.equal(again.name, 'New name')
    const byName = await stack.asset().query({ query: { is_dir: true, name: 'New name' } }).find()
    assert.deepEqual(byName.items.map((f) => f.uid), [created.uid])
  })

  it('move under another folder by parent_uid, and back to the root', async () => {
    const target = await stack.asset().folder().create({ asset: { name: 'Target' } })
    const mover = await stack.asset().folder().create({ asset: { name: 'Mover' } })
    const folder = await stack.asset().folder(mover.uid).fetch()
    folder.parent_uid = target.uid
    const moved = await folder.update()
    assert.equal(moved.parent_uid, target.uid)
    assert.equal(moved.name, 'Mover')
    const children = await stack.asset().query({ folder: target.uid, include_folders: true }).find()
    assert.deepEqual(children.items.map((f) => f.uid), [mover.uid])
    moved.parent_uid = null
    const back = await moved.update()
    assert.equal(back.parent_uid, null)
  })

  it('a folder cannot be moved into its own subfolder', async () => {
    const parent = await stack.asset().folder().create({ asset: { name: 'Loop parent' } })
    const child = await stack.asset().folder().create({ asset: { name: 'Loop child', parent_uid: parent.uid } })
    const folder = await stack.asset().folder(parent.uid).fetch()
    folder.parent_uid = child.uid
    const err = await h.rejection(folder.update())
    assert.ok(err.status >= 400 && err.status < 500, `status ${err.status}`)
    const unchanged = await stack.asset().folder(parent.uid).fetch()
    assert.equal(unchanged.parent_uid, null)
  })

  it('delete removes the folder with everything in it', async () => {
    const folder = await stack.asset().folder().create({ asset: { name: 'Doomed folder' } })
    const sub = await stack.asset().folder().create({ asset: { name: 'Doomed sub', parent_uid: folder.uid } })
    const inside = await stack.asset().create({ upload: files.hello, parent_uid: folder.uid })
    const deeper = await stack.asset().create({ upload: files.hello, parent_uid: sub.uid })
    const outside = await stack.asset().create({ upload: files.hello })
    const res = await stack.asset().folder(folder.uid).delete()
    assert.equal(res.notice, 'Folder deleted successfully.')
    for (const uid of [folder.uid, sub.uid]) {
      const err = await h.rejection(stack.asset().folder(uid).fetch())
      assert.equal(err.status, 422)
      assert.equal(err.errorCode, 145)
    }
    for (const uid of [inside.uid, deeper.uid]) {
      const err = await h.rejection(stack.asset(uid).fetch())
      assert.equal(err.status, 422)
      assert.equal(err.errorCode, 145)
    }
    const still = await stack.asset(outside.uid).fetch()
    assert.equal(still.uid, outside.uid)
  })

  it('fetch of a folder that does not exist', async () => {
    const err = await h.rejection(stack.asset().folder(h.MISSING_UID).fetch())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 145)
    assert.equal(typeof err.errorMessage, 'string')
  })
})
