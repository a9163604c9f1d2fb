'use strict'
// Publishing assets through the official JS SDK: asset.publish()/unpublish(),
// publish_details, bulkOperation().publish()/unpublish() with jobStatus() and
// getJobItems(), the caps, the bad inputs (nothing is published), and what
// the trash and deleting an environment do to what is published.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

const PUBLISH_NOTICE = 'Your bulk publish request is in progress. Please check publish queue for more details.'
const UNPUBLISH_NOTICE = 'Your bulk unpublish request is in progress. Please check publish queue for more details.'
// Ten locales besides en-us and fr-fr, for the caps.
const MORE_LOCALES = ['de-de', 'es-es', 'it-it', 'ja-jp', 'pt-br', 'zh-cn', 'nl-nl', 'sv-se', 'da-dk', 'pl-pl']
const MORE_ENVIRONMENTS = Array.from({ length: 10 }, (_, i) => `extra-${i + 1}`)

let server, stack, files
const env = {}

before(async () => {
  server = await h.startServer()
  ;({ stack } = h.connect(server.port))
  files = h.fixtures()
  env.development = (await stack.environment('development').fetch()).uid
  env.production = (await stack.environment().create({
    environment: { name: 'production', urls: [{ locale: 'en-us', url: 'https://www.example.com' }] }
  })).uid
  await stack.locale().create({ locale: { code: 'fr-fr', name: 'French - France', fallback_locale: 'en-us' } })
})

after(async () => {
  if (server) await server.stop()
  if (files) files.cleanup()
})

const upload = (title) => stack.asset().create({ upload: files.hello, title })
const details = async (uid) => (await stack.asset(uid).fetch({ include_publish_details: true })).publish_details
const pairs = (pd) => pd.map((p) => `${p.environment}/${p.locale}`).sort()
const publishTo = (environments, locales) => ({ publishDetails: { environments, locales } })

/** Runs fn over items, `width` at a time. */
async function inBatches (items, width, fn) {
  const out = []
  for (let i = 0; i < items.length; i += width) out.push(...await Promise.all(items.slice(i, i + width).map(fn)))
  return out
}

/** One publish record of the CMA: {environment: uid, locale, time, user, version}. */
function assertRecord (p, { environment, locale, version }) {
  assert.deepEqual(Object.keys(p).sort(), ['environment', 'locale', 'time', 'user', 'version'], JSON.stringify(p))
  assert.equal(p.environment, environment)
  assert.equal(p.locale, locale)
  assert.equal(p.version, version)
  assert.match(p.time, h.ISO_RE)
  assert.equal(typeof p.user, 'string')
}

describe('asset.publish() / unpublish()', () => {
  it('publish answers 201 "Asset sent for publishing."', async () => {
    const a = await upload('published raw')
    const res = await h.raw(server, 'POST', `/v3/assets/${a.uid}/publish`, {
      json: { asset: { environments: ['development'], locales: ['en-us'] } }
    })
    assert.equal(res.status, 201, JSON.stringify(res.data))
    assert.deepEqual(res.data, { notice: 'Asset sent for publishing.' })
  })

  it('publish records the environment (by uid), locale, time, user and version in publish_details', async () => {
    const a = await upload('published')
    const res = await stack.asset(a.uid).publish(publishTo(['development'], ['en-us']))
    assert.equal(res.notice, 'Asset sent for publishing.')
    const pd = await details(a.uid)
    assert.equal(pd.length, 1, JSON.stringify(pd))
    assertRecord(pd[0], { environment: env.development, locale: 'en-us', version: 1 })
    // Publishing makes no new version.
    assert.equal((await stack.asset(a.uid).fetch())._version, 1)
  })

  it('each (environment, locale) pair is published on its own', async () => {
    const a = await upload('everywhere')
    await stack.asset(a.uid).publish(publishTo(['development', 'production'], ['en-us', 'fr-fr']))
    const pd = await details(a.uid)
    assert.deepEqual(pairs(pd), [
      `${env.development}/en-us`, `${env.development}/fr-fr`, `${env.production}/en-us`, `${env.production}/fr-fr`
    ].sort())
    for (const p of pd) assertRecord(p, { environment: p.environment, locale: p.locale, version: 1 })
  })

  it('version pins a version; without it the latest is published', async () => {
    const a = await upload('pinned')
    const asset = await stack.asset(a.uid).fetch()
    asset.title = 'pinned, second version'
    await asset.update()
    await stack.asset(a.uid).publish({ ...publishTo(['development'], ['en-us']), version: 1 })
    let pd = await details(a.uid)
    assert.equal(pd.length, 1)
    assertRecord(pd[0], { environment: env.development, locale: 'en-us', version: 1 })
    await stack.asset(a.uid).publish(publishTo(['development'], ['en-us']))
    pd = await details(a.uid)
    assert.equal(pd.length, 1, `one record per pair: ${JSON.stringify(pd)}`)
    assertRecord(pd[0], { environment: env.development, locale: 'en-us', version: 2 })
  })

  it('unpublish answers "Asset sent for unpublishing." and removes that pair only', async () => {
    const a = await upload('unpublished')
    await stack.asset(a.uid).publish(publishTo(['development'], ['en-us', 'fr-fr']))
    const res = await stack.asset(a.uid).unpublish(publishTo(['development'], ['fr-fr']))
    assert.equal(res.notice, 'Asset sent for unpublishing.')
    assert.deepEqual(pairs(await details(a.uid)), [`${env.development}/en-us`])
    const raw = await h.raw(server, 'POST', `/v3/assets/${a.uid}/unpublish`, {
      json: { asset: { environments: ['development'], locales: ['en-us'] } }
    })
    assert.equal(raw.status, 201, JSON.stringify(raw.data))
    assert.deepEqual(raw.data, { notice: 'Asset sent for unpublishing.' })
    assert.deepEqual(await details(a.uid), [])
  })

  it('getReferences(): no entries are emulated, so {references: []}', async () => {
    const a = await upload('referenced by nothing')
    assert.deepEqual(await stack.asset(a.uid).getReferences(), { references: [] })
  })
})

describe('bad publish requests change nothing', () => {
  it('an unknown environment: 422, error_code 141, errors.environments', async () => {
    const a = await upload('unknown environment')
    const err = await h.rejection(stack.asset(a.uid).publish(publishTo(['development', 'nowhere'], ['en-us'])))
    assert.equal(err.status, 422, err.message)
    assert.equal(err.errorCode, 141)
    assert.ok(Array.isArray(err.errors.environments), JSON.stringify(err.errors))
    assert.deepEqual(await details(a.uid), [])
  })

  it('an unknown locale: 422, error_code 141, errors.locales', async () => {
    const a = await upload('unknown locale')
    const err = await h.rejection(stack.asset(a.uid).publish(publishTo(['development'], ['en-us', 'xx-yy'])))
    assert.equal(err.status, 422, err.message)
    assert.equal(err.errorCode, 141)
    assert.ok(Array.isArray(err.errors.locales), JSON.stringify(err.errors))
    assert.deepEqual(await details(a.uid), [])
  })

  it('a trashed asset, or one that does not exist: 422, error_code 145', async () => {
    const a = await upload('trashed before publishing')
    await stack.asset(a.uid).delete()
    for (const uid of [a.uid, h.MISSING_UID]) {
      const err = await h.rejection(stack.asset(uid).publish(publishTo(['development'], ['en-us'])))
      assert.equal(err.status, 422, err.message)
      assert.equal(err.errorCode, 145)
      assert.equal(err.errorMessage, 'Asset was not found.')
    }
  })
})

describe('the trash and deleted environments', () => {
  async function restore (uid) {
    const res = await h.raw(server, 'POST', `/_mock/stacks/${h.DEFAULT_API_KEY}/trash/${uid}/restore`)
    assert.equal(res.status, 200, JSON.stringify(res.data))
    return res.data.asset
  }

  it('deleting an asset unpublishes it; restoring brings it back unpublished', async () => {
    const a = await upload('published, trashed, restored')
    await stack.asset(a.uid).publish(publishTo(['development', 'production'], ['en-us']))
    assert.equal((await details(a.uid)).length, 2)
    await stack.asset(a.uid).delete()
    const restored = await restore(a.uid)
    assert.equal(restored._version, 2)
    assert.deepEqual(await details(a.uid), [])
    // It can be published again.
    await stack.asset(a.uid).publish(publishTo(['development'], ['en-us']))
    assertRecord((await details(a.uid))[0], { environment: env.development, locale: 'en-us', version: 2 })
  })

  it('the same through a folder delete and a bulk delete', async () => {
    const folder = await stack.asset().folder().create({ asset: { name: 'Published inside' } })
    const inFolder = await stack.asset().create({ upload: files.hello, parent_uid: folder.uid })
    const bulked = await upload('bulk deleted while published')
    for (const a of [inFolder, bulked]) await stack.asset(a.uid).publish(publishTo(['development'], ['en-us']))
    await stack.asset().folder(folder.uid).delete()
    await stack.bulkOperation().delete({ details: { assets: [{ uid: bulked.uid }] } })
    await restore(folder.uid)
    await restore(bulked.uid)
    assert.deepEqual(await details(inFolder.uid), [])
    assert.deepEqual(await details(bulked.uid), [])
  })

  it('deleting an environment unpublishes everything from it', async () => {
    await stack.environment().create({ environment: { name: 'short-lived', urls: [{ locale: 'en-us', url: 'https://x.example.com' }] } })
    const a = await upload('published to an environment that goes')
    await stack.asset(a.uid).publish(publishTo(['development', 'short-lived'], ['en-us']))
    assert.equal((await details(a.uid)).length, 2)
    await stack.environment('short-lived').delete()
    assert.deepEqual(pairs(await details(a.uid)), [`${env.development}/en-us`])
  })
})

describe('bulkOperation().publish() / unpublish(), jobStatus(), getJobItems()', () => {
  let job, bulkAssets

  it('publish: the notice and a job_id; every asset is published', async () => {
    bulkAssets = [await upload('bulk one'), await upload('bulk two')]
    const res = await stack.bulkOperation().publish({
      details: { assets: bulkAssets.map((a) => ({ uid: a.uid })), locales: ['en-us'], environments: ['development'] }
    })
    assert.equal(res.notice, PUBLISH_NOTICE)
    assert.equal(typeof res.job_id, 'string')
    assert.ok(res.job_id.length > 0)
    job = res.job_id
    for (const a of bulkAssets) {
      const pd = await details(a.uid)
      assert.equal(pd.length, 1, JSON.stringify(pd))
      assertRecord(pd[0], { environment: env.development, locale: 'en-us', version: 1 })
    }
  })

  it('jobStatus(): status complete, body with locales and environment uids, summary', async () => {
    // jobStatus swallows errors (console.error, resolves undefined): a missing route shows as undefined.
    const status = await stack.bulkOperation().jobStatus({ job_id: job })
    assert.ok(status && typeof status === 'object', `jobStatus returned ${JSON.stringify(status)}`)
    assert.equal(status.uid, job)
    assert.equal(status.api_key, h.DEFAULT_API_KEY)
    assert.equal(status.action, 'publish')
    assert.equal(status.status, 'complete')
    assert.deepEqual(status.body.locales, ['en-us'])
    assert.deepEqual(status.body.environments, [env.development])
    assert.equal(status.summary.success, 2, JSON.stringify(status.summary))
    assert.equal(status.summary.unsuccess, 0, JSON.stringify(status.summary))
    // The SDK's own sanity suite asks with these headers.
    const v3 = await stack.bulkOperation().jobStatus({ job_id: job, api_version: '3.2', bulk_version: 'v3' })
    assert.equal(v3 && v3.uid, job, JSON.stringify(v3))
  })

  it('getJobItems(): one asset item per published asset', async () => {
    const res = await stack.bulkOperation().getJobItems(job)
    assert.ok(res && Array.isArray(res.items), `getJobItems returned ${JSON.stringify(res)}`)
    assert.deepEqual(res.items.map((i) => i.uid).sort(), bulkAssets.map((a) => a.uid).sort())
    for (const item of res.items) {
      assert.equal(item.type, 'asset')
      assert.equal(item.environment, env.development)
      assert.equal(item.publish_locale, 'en-us')
      assert.equal(item.action, 'publish')
      assert.equal(item.publish_details.status, 'success', JSON.stringify(item))
    }
    const counted = await stack.bulkOperation().getJobItems(job, { include_count: true, type: 'asset' })
    assert.equal(counted.total_count, 2, JSON.stringify(counted))
  })

  it('unpublish: the notice and a job_id; the records go', async () => {
    const res = await stack.bulkOperation().unpublish({
      details: { assets: bulkAssets.map((a) => ({ uid: a.uid })), locales: ['en-us'], environments: ['development'] }
    })
    assert.equal(res.notice, UNPUBLISH_NOTICE)
    assert.equal(typeof res.job_id, 'string')
    assert.notEqual(res.job_id, job)
    for (const a of bulkAssets) assert.deepEqual(await details(a.uid), [])
    const status = await stack.bulkOperation().jobStatus({ job_id: res.job_id })
    assert.equal(status && status.action, 'unpublish', JSON.stringify(status))
    assert.equal(status.status, 'complete')
    assert.deepEqual(status.body.environments, [env.development])
  })

  it('with publishAllLocalized and api_version 3.2, as the SDK\'s own tests send them', async () => {
    const a = await upload('bulk, localized flags')
    const res = await stack.bulkOperation().publish({
      details: { assets: [{ uid: a.uid }], locales: ['en-us', 'fr-fr'], environments: ['development'] },
      publishAllLocalized: true,
      api_version: '3.2'
    })
    assert.equal(res.notice, PUBLISH_NOTICE)
    assert.deepEqual(pairs(await details(a.uid)), [`${env.development}/en-us`, `${env.development}/fr-fr`])
    const un = await stack.bulkOperation().unpublish({
      details: { assets: [{ uid: a.uid }], locales: ['fr-fr'], environments: ['development'] },
      unpublishAllLocalized: true
    })
    assert.equal(un.notice, UNPUBLISH_NOTICE)
    assert.deepEqual(pairs(await details(a.uid)), [`${env.development}/en-us`])
  })

  it('an unknown environment: 422, error_code 141, nothing published', async () => {
    const a = await upload('bulk to nowhere')
    const err = await h.rejection(stack.bulkOperation().publish({
      details: { assets: [{ uid: a.uid }], locales: ['en-us'], environments: ['development', 'nowhere'] }
    }))
    assert.equal(err.status, 422, err.message)
    assert.equal(err.errorCode, 141)
    assert.deepEqual(await details(a.uid), [])
  })

  it('entries are not emulated: 422, nothing published', async () => {
    const a = await upload('bulk with entries')
    const err = await h.rejection(stack.bulkOperation().publish({
      details: {
        entries: [{ uid: 'blt00000000000000e1', content_type: 'page', locale: 'en-us' }],
        assets: [{ uid: a.uid }],
        locales: ['en-us'],
        environments: ['development']
      }
    }))
    assert.equal(err.status, 422, err.message)
    assert.equal(typeof err.errorMessage, 'string')
    assert.deepEqual(await details(a.uid), [])
  })
})

describe('caps: 10 environments, 10 locales, 100 assets per request', () => {
  let many

  before(async () => {
    for (const name of MORE_ENVIRONMENTS) {
      await stack.environment().create({ environment: { name, urls: [{ locale: 'en-us', url: `https://${name}.example.com` }] } })
    }
    for (const code of MORE_LOCALES) {
      await stack.locale().create({ locale: { code, name: code, fallback_locale: 'en-us' } })
    }
    many = await inBatches(Array.from({ length: 101 }, (_, i) => i), 8, (i) => upload(`capped ${i}`))
  })

  /** The 422 of a cap: error_code 123, a message naming the limit and the count. */
  function assertCap (err, limit, count) {
    assert.equal(err.status, 422, err.message)
    assert.equal(err.errorCode, 123)
    assert.ok(err.errorMessage.includes(String(limit)), `the message names the limit ${limit}: ${err.errorMessage}`)
    assert.ok(err.errorMessage.includes(String(count)), `the message names the count ${count}: ${err.errorMessage}`)
  }

  it('11 environments in a bulk publish: 422, error_code 123, nothing published', async () => {
    const environments = ['development', ...MORE_ENVIRONMENTS]
    assert.equal(environments.length, 11)
    const err = await h.rejection(stack.bulkOperation().publish({
      details: { assets: [{ uid: many[0].uid }], locales: ['en-us'], environments }
    }))
    assertCap(err, 10, 11)
    assert.deepEqual(await details(many[0].uid), [])
  })

  it('11 locales in a bulk publish: 422, error_code 123, nothing published', async () => {
    const locales = ['en-us', ...MORE_LOCALES]
    assert.equal(locales.length, 11)
    const err = await h.rejection(stack.bulkOperation().publish({
      details: { assets: [{ uid: many[0].uid }], locales, environments: ['development'] }
    }))
    assertCap(err, 10, 11)
    assert.deepEqual(await details(many[0].uid), [])
  })

  it('101 assets in a bulk publish: 422, error_code 123, none of them published', async () => {
    const err = await h.rejection(stack.bulkOperation().publish({
      details: { assets: many.map((a) => ({ uid: a.uid })), locales: ['en-us'], environments: ['development'] }
    }))
    assertCap(err, 100, 101)
    const pds = await inBatches(many, 10, (a) => details(a.uid))
    assert.deepEqual(pds.filter((pd) => pd.length > 0), [])
  })

  it('10 environments, 10 locales and 100 assets are allowed', async () => {
    const res = await stack.bulkOperation().publish({
      details: { assets: many.slice(0, 100).map((a) => ({ uid: a.uid })), locales: ['en-us'], environments: ['development'] }
    })
    assert.equal(res.notice, PUBLISH_NOTICE)
    const pds = await inBatches(many, 10, (a) => details(a.uid))
    assert.equal(pds.filter((pd) => pd.length === 1).length, 100)
    assert.deepEqual(pds[100], [])
    const wide = await stack.bulkOperation().publish({
      details: {
        assets: [{ uid: many[100].uid }],
        locales: ['en-us', ...MORE_LOCALES.slice(0, 9)],
        environments: ['development', ...MORE_ENVIRONMENTS.slice(0, 9)]
      }
    })
    assert.equal(wide.notice, PUBLISH_NOTICE)
    assert.equal((await details(many[100].uid)).length, 100)
  })

  it('a single publish takes at most 10 environments and 10 locales: 422, nothing published', async () => {
    const a = many[0]
    const envErr = await h.rejection(stack.asset(a.uid).publish(publishTo(['development', ...MORE_ENVIRONMENTS], ['en-us'])))
    assert.equal(envErr.status, 422, envErr.message)
    const localeErr = await h.rejection(stack.asset(a.uid).publish(publishTo(['development'], ['en-us', ...MORE_LOCALES])))
    assert.equal(localeErr.status, 422, localeErr.message)
    // many[0] was published by the 100-asset request above, to development/en-us only.
    assert.deepEqual(pairs(await details(a.uid)), [`${env.development}/en-us`])
  })
})
