'use strict'
// Bulk delete of assets through the official JS SDK:
// stack.bulkOperation().delete({details: {assets: [{uid}]}}) → POST /v3/bulk/delete.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

const NOTICE = 'Your bulk delete request is in progress. Please check bulk task queue for more details.'

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

/** n distinct uids that exist nowhere. */
const fakeUids = (n) => Array.from({ length: n }, (_, i) => `blt${(0xf000000000000000n + BigInt(i)).toString(16)}`)

/** Finds the first value under `key` anywhere in a JSON value. */
function findKey (value, key) {
  if (value && typeof value === 'object') {
    if (Object.prototype.hasOwnProperty.call(value, key)) return value[key]
    for (const v of Object.values(value)) {
      const found = findKey(v, key)
      if (found !== undefined) return found
    }
  }
  return undefined
}

describe('bulk delete', () => {
  it('deletes the listed assets and answers the notice with a job_id', async () => {
    const a = await stack.asset().create({ upload: files.hello, title: 'bulk a' })
    const b = await stack.asset().create({ upload: files.hello, title: 'bulk b' })
    const keep = await stack.asset().create({ upload: files.hello, title: 'bulk keep' })
    const res = await stack.bulkOperation().delete({ details: { assets: [{ uid: a.uid }, { uid: b.uid }] } })
    assert.equal(res.notice, NOTICE)
    assert.equal(typeof res.job_id, 'string')
    assert.ok(res.job_id.length > 0)
    for (const uid of [a.uid, b.uid]) {
      const err = await h.rejection(stack.asset(uid).fetch())
      assert.equal(err.status, 422)
      assert.equal(err.errorCode, 145)
    }
    assert.equal((await stack.asset(keep.uid).fetch()).uid, keep.uid)
  })

  it('uids that do not exist do not fail the request', async () => {
    const a = await stack.asset().create({ upload: files.hello, title: 'bulk with a missing one' })
    const res = await stack.bulkOperation().delete({ details: { assets: [{ uid: a.uid }, { uid: h.MISSING_UID }] } })
    assert.equal(res.notice, NOTICE)
    const err = await h.rejection(stack.asset(a.uid).fetch())
    assert.equal(err.status, 422)
  })

  it('jobStatus() reports the job: one success, one failure', async () => {
    const a = await stack.asset().create({ upload: files.hello, title: 'bulk job' })
    const res = await stack.bulkOperation().delete({ details: { assets: [{ uid: a.uid }, { uid: h.MISSING_UID }] } })
    // jobStatus swallows errors (console.error, resolves undefined), so a missing route shows as undefined.
    const job = await stack.bulkOperation().jobStatus({ job_id: res.job_id })
    assert.ok(job && typeof job === 'object', `jobStatus returned ${JSON.stringify(job)}`)
    assert.ok(JSON.stringify(job).includes(res.job_id), `job body does not name ${res.job_id}: ${JSON.stringify(job)}`)
    const summary = findKey(job, 'summary')
    assert.ok(summary && typeof summary === 'object', `no summary in ${JSON.stringify(job)}`)
    assert.equal(summary.success, 1, `summary: ${JSON.stringify(summary)}`)
    assert.equal(summary.unsuccess, 1, `summary: ${JSON.stringify(summary)}`)
  })

  it('exactly 100 items is allowed', async () => {
    const a = await stack.asset().create({ upload: files.hello, title: 'bulk 100' })
    const assets = [{ uid: a.uid }, ...fakeUids(99).map((uid) => ({ uid }))]
    const res = await stack.bulkOperation().delete({ details: { assets } })
    assert.equal(res.notice, NOTICE)
    const err = await h.rejection(stack.asset(a.uid).fetch())
    assert.equal(err.status, 422)
  })

  it('101 items: 422, error_code 123, errors.assets, and nothing is deleted', async () => {
    const a = await stack.asset().create({ upload: files.hello, title: 'bulk 101 survivor' })
    const b = await stack.asset().create({ upload: files.hello, title: 'bulk 101 survivor 2' })
    const assets = [{ uid: a.uid }, { uid: b.uid }, ...fakeUids(99).map((uid) => ({ uid }))]
    assert.equal(assets.length, 101)
    const err = await h.rejection(stack.bulkOperation().delete({ details: { assets } }))
    assert.equal(err.status, 422, err.message)
    assert.equal(err.errorCode, 123)
    assert.equal(typeof err.errorMessage, 'string')
    assert.ok(err.errorMessage.includes('100'), `the message names the limit: ${err.errorMessage}`)
    assert.ok(Array.isArray(err.errors.assets), `errors: ${JSON.stringify(err.errors)}`)
    assert.equal((await stack.asset(a.uid).fetch()).uid, a.uid)
    assert.equal((await stack.asset(b.uid).fetch()).uid, b.uid)
  })

  it('an empty request is refused', async () => {
    const err = await h.rejection(stack.bulkOperation().delete({ details: { assets: [] } }))
    assert.equal(err.status, 422)
    assert.equal(typeof err.errorMessage, 'string')
  })
})
