'use strict'
// Reading published assets through @contentstack/delivery-sdk: fetch, find,
// count, dimension, locale and fallback, queries, relative URLs, ordering and
// paging, and what each environment's delivery token may see. The errors a
// browser or the SDK cannot show (the SDK retries a 401 four times and then
// reports status 0) are checked with plain HTTP.
//
// One stack for the file, as a site in development has it:
//   pixel  PNG, tags [blue]          development: en-us
//   hello  "Hello world", tags [red] development: en-us, fr-fr
//   notes  "Notes", tags [red, blue] development: en-us
//   bonjour                          development: fr-fr only
//   prod   "Production only"         production:  en-us
//   draft  never published; a folder (never delivered)
// created in that order.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

const { QueryOperation } = h
let server, w, sdk
const a = {}
const published = {}

before(async () => {
  server = await h.startServer()
  w = await h.createWorld(server, 'delivery assets')
  const { cma } = w
  a.pixel = await cma.upload(h.PNG_3X2, 'pixel.png', { contentType: 'image/png', title: 'Pixel', tags: ['blue'] })
  await h.pause()
  a.hello = await cma.upload(Buffer.from('hello, delivered\n'), 'hello.txt', { contentType: 'text/plain', title: 'Hello world', tags: ['red'] })
  await h.pause()
  a.notes = await cma.upload(Buffer.from('some longer notes, delivered to the site: more bytes than the 73 of the pixel, so size queries can tell them apart\n'), 'notes.txt', { contentType: 'text/plain', title: 'Notes', tags: ['red', 'blue'] })
  await h.pause()
  a.bonjour = await cma.upload(Buffer.from('bonjour\n'), 'bonjour.txt', { contentType: 'text/plain', title: 'Bonjour' })
  await h.pause()
  a.prod = await cma.upload(Buffer.from('production\n'), 'prod.txt', { contentType: 'text/plain', title: 'Production only' })
  await h.pause()
  a.draft = await cma.upload(Buffer.from('draft\n'), 'draft.txt', { contentType: 'text/plain', title: 'Draft' })
  a.folder = h.expect(await cma.call('POST', '/v3/assets/folders', { json: { asset: { name: 'Never delivered' } } }),
    201, 'create folder').asset

  await cma.publish(a.pixel.uid)
  await cma.publish(a.hello.uid, { locales: ['en-us', 'fr-fr'] })
  await cma.publish(a.notes.uid)
  await cma.publish(a.bonjour.uid, { locales: ['fr-fr'] })
  await cma.publish(a.prod.uid, { environments: ['production'] })
  // What the CMA says about each asset once published: the delivered copy must match it.
  for (const key of ['pixel', 'hello', 'notes', 'bonjour', 'prod']) published[key] = await cma.fetchAsset(a[key].uid)
  sdk = w.sdk('development')
})

after(async () => {
  if (server) await server.stop()
})

const uids = (body) => body.assets.map((x) => x.uid)
const pairs = (body) => body.assets.map((x) => `${x.uid}/${x.publish_details.locale}`).sort()
const pathOf = (url) => new URL(url).pathname

describe('asset(uid).fetch()', () => {
  it('answers the published asset in the recorded key order, publish_details one object without version', async () => {
    const got = await sdk.asset(a.hello.uid).fetch()
    h.assertDelivered(got, published.hello, { envUid: w.env.development, locale: 'en-us' })
    assert.match(got.url, /^http:\/\//, 'an absolute url')
  })

  it('includeDimension() adds integer width and height to an image', async () => {
    const got = await sdk.asset(a.pixel.uid).includeDimension().fetch()
    h.assertDelivered(got, published.pixel, { envUid: w.env.development, dimension: true })
    assert.deepEqual(got.dimension, { width: 3, height: 2 })
    assert.ok(Number.isInteger(got.dimension.width) && Number.isInteger(got.dimension.height),
      `integers, not floats: ${JSON.stringify(got.dimension)}`)
  })

  it('the delivered url serves the file without credentials', async () => {
    const got = await sdk.asset(a.pixel.uid).fetch()
    const res = await fetch(got.url)
    assert.equal(res.status, 200)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), h.PNG_3X2)
  })

  it('never published, unknown, or a folder: 404, error_code 145', async () => {
    for (const uid of [a.draft.uid, h.MISSING_UID, a.folder.uid]) {
      h.assertSdkNotFound(await h.rejection(sdk.asset(uid).fetch()))
    }
  })

  it('locale(): the copy published in that locale, else 404; includeFallback() follows fr-fr to en-us', async () => {
    const fr = await sdk.asset(a.hello.uid).locale('fr-fr').fetch()
    h.assertDelivered(fr, published.hello, { envUid: w.env.development, locale: 'fr-fr' })
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.pixel.uid).locale('fr-fr').fetch()))
    const fallback = await sdk.asset(a.pixel.uid).locale('fr-fr').includeFallback().fetch()
    h.assertDelivered(fallback, published.pixel, { envUid: w.env.development, locale: 'en-us' })
    // Where the asked-for locale is published, fallback changes nothing.
    const own = await sdk.asset(a.hello.uid).locale('fr-fr').includeFallback().fetch()
    assert.equal(own.publish_details.locale, 'fr-fr')
  })

  it('relativeUrls() gives the url from /v3/ on, without scheme and host', async () => {
    const got = await sdk.asset(a.hello.uid).relativeUrls().fetch()
    assert.equal(got.url, pathOf(published.hello.url))
    assert.match(got.url, new RegExp(`^/v3/assets/${w.apiKey}/${a.hello.uid}/[^/]+/hello\\.txt$`))
  })
})

describe('includeBranch() and includeMetadata() (the TypeScript SDK\'s own API tests ask for them)', () => {
  it('fetch: _branch is main and _metadata is there', async () => {
    const asset = await sdk.asset(a.pixel.uid).includeBranch().includeMetadata().fetch()
    assert.equal(asset._branch, 'main')
    assert.deepEqual(asset._metadata, { extensions: {} })
    const plain = await sdk.asset(a.pixel.uid).fetch()
    assert.equal(plain._branch, undefined)
    assert.equal(plain._metadata, undefined)
  })

  it('find: on every item', async () => {
    const { assets } = await sdk.asset().includeBranch().includeMetadata().find()
    assert.ok(assets.length > 0)
    for (const item of assets) {
      assert.equal(item._branch, 'main')
      assert.ok(item._metadata)
    }
  })

  it('the branch header: main is served, another branch is refused', async () => {
    const ok = await w.cda(`/v3/assets/${a.pixel.uid}`, {}, { headers: { branch: 'main' } })
    assert.equal(ok.status, 200)
    const other = await w.cda(`/v3/assets/${a.pixel.uid}`, {}, { headers: { branch: 'develop' } })
    assert.equal(other.status, 422)
    assert.deepEqual(Object.keys(other.data.errors), ['branch'])
  })
})

describe('asset().find()', () => {
  it('lists what is published in the environment, one item per published locale, and nothing else', async () => {
    const body = await sdk.asset().find()
    assert.deepEqual(pairs(body), [
      `${a.pixel.uid}/en-us`, `${a.hello.uid}/en-us`, `${a.hello.uid}/fr-fr`, `${a.notes.uid}/en-us`, `${a.bonjour.uid}/fr-fr`
    ].sort())
    assert.equal(body.count, undefined, 'no count unless asked for')
    for (const item of body.assets) {
      const key = Object.keys(a).find((k) => a[k].uid === item.uid)
      h.assertDelivered(item, published[key], { envUid: w.env.development, locale: item.publish_details.locale })
    }
  })

  it('includeCount() adds the total; locale() keeps one locale', async () => {
    const body = await sdk.asset().includeCount().locale('en-us').find()
    assert.deepEqual(uids(body).sort(), [a.pixel.uid, a.hello.uid, a.notes.uid].sort())
    assert.equal(body.count, 3)
    const fr = await sdk.asset().includeCount().locale('fr-fr').find()
    assert.deepEqual(uids(fr).sort(), [a.hello.uid, a.bonjour.uid].sort())
    assert.equal(fr.count, 2)
    for (const item of fr.assets) assert.equal(item.publish_details.locale, 'fr-fr')
  })

  it('locale(fr-fr).includeFallback(): every asset, each in the locale it is served from', async () => {
    const body = await sdk.asset().locale('fr-fr').includeFallback().find()
    assert.deepEqual(pairs(body), [
      `${a.pixel.uid}/en-us`, `${a.hello.uid}/fr-fr`, `${a.notes.uid}/en-us`, `${a.bonjour.uid}/fr-fr`
    ].sort())
  })

  it('newest first by default; orderByAscending and orderByDescending sort', async () => {
    const newest = [a.notes.uid, a.hello.uid, a.pixel.uid]
    assert.deepEqual(uids(await sdk.asset().locale('en-us').find()), newest)
    assert.deepEqual(uids(await sdk.asset().locale('en-us').orderByAscending('created_at').find()), [...newest].reverse())
    assert.deepEqual(uids(await sdk.asset().locale('en-us').orderByDescending('created_at').find()), newest)
  })

  it('limit() and skip() page the list; the count stays the total', async () => {
    const body = await sdk.asset().locale('en-us').includeCount().limit(1).skip(1).find()
    assert.deepEqual(uids(body), [a.hello.uid])
    assert.equal(body.count, 3)
    const past = await sdk.asset().locale('en-us').skip(3).find()
    assert.deepEqual(past.assets, [])
  })

  it('includeDimension() gives images integer dimensions', async () => {
    const body = await sdk.asset().includeDimension().locale('en-us').find()
    const pixel = body.assets.find((x) => x.uid === a.pixel.uid)
    h.assertDelivered(pixel, published.pixel, { envUid: w.env.development, dimension: true })
    assert.deepEqual(pixel.dimension, { width: 3, height: 2 })
    assert.ok(Number.isInteger(pixel.dimension.width) && Number.isInteger(pixel.dimension.height))
  })

  it('relativeUrls() (sent as relative_url) gives every url from /v3/ on', async () => {
    const body = await sdk.asset().relativeUrls().locale('en-us').find()
    assert.equal(body.assets.length, 3)
    for (const item of body.assets) {
      const key = Object.keys(a).find((k) => a[k].uid === item.uid)
      assert.equal(item.url, pathOf(published[key].url))
    }
  })
})

describe('asset().query().where(...)', () => {
  it('EQUALS on the title', async () => {
    const body = await sdk.asset().query().where('title', QueryOperation.EQUALS, 'Notes').find()
    assert.deepEqual(uids(body), [a.notes.uid])
  })

  it('IS_GREATER_THAN on file_size, with other parameters', async () => {
    const body = await sdk.asset().locale('en-us').query()
      .where('file_size', QueryOperation.IS_GREATER_THAN, Number(published.pixel.file_size)).find()
    assert.deepEqual(uids(body), [a.notes.uid])
  })

  it('NOT_EQUALS, INCLUDES on tags, and two conditions at once', async () => {
    const ne = await sdk.asset().locale('en-us').query().where('title', QueryOperation.NOT_EQUALS, 'Notes').find()
    assert.deepEqual(uids(ne), [a.hello.uid, a.pixel.uid])
    const blue = await sdk.asset().locale('en-us').query().containedIn('tags', ['blue']).find()
    assert.deepEqual(uids(blue), [a.notes.uid, a.pixel.uid])
    const both = await sdk.asset().locale('en-us').query()
      .where('tags', QueryOperation.INCLUDES, ['red'])
      .where('title', QueryOperation.NOT_EQUALS, 'Notes').find()
    assert.deepEqual(uids(both), [a.hello.uid])
  })

  it('a query never reaches what is not published there', async () => {
    const draft = await sdk.asset().query().where('title', QueryOperation.EQUALS, 'Draft').find()
    assert.deepEqual(draft.assets, [])
    const prod = await sdk.asset().query().where('uid', QueryOperation.EQUALS, a.prod.uid).find()
    assert.deepEqual(prod.assets, [])
  })
})

describe('environments', () => {
  it('the production token sees what is published in production only', async () => {
    const prod = w.sdk('production')
    const body = await prod.asset().includeCount().find()
    assert.deepEqual(uids(body), [a.prod.uid])
    assert.equal(body.count, 1)
    const got = await prod.asset(a.prod.uid).fetch()
    h.assertDelivered(got, published.prod, { envUid: w.env.production })
  })

  it('an asset published only in development is invisible with the production token', async () => {
    const prod = w.sdk('production')
    h.assertSdkNotFound(await h.rejection(prod.asset(a.hello.uid).fetch()))
    const found = await prod.asset().query().where('uid', QueryOperation.EQUALS, a.hello.uid).find()
    assert.deepEqual(found.assets, [])
  })

  it('and the other way round', async () => {
    h.assertSdkNotFound(await h.rejection(sdk.asset(a.prod.uid).fetch()))
  })
})

describe('errors through plain HTTP (the SDK hides them)', () => {
  it('a wrong delivery token: 401, error_code 105, errors.access_token', async () => {
    for (const urlPath of ['/v3/assets', `/v3/assets/${a.hello.uid}`]) {
      const res = await h.request(server, 'GET', urlPath, {
        headers: { api_key: w.apiKey, access_token: 'cs000000000000000000000000' },
        query: { environment: 'development' }
      })
      assert.deepEqual(h.expect(res, 401, `GET ${urlPath} with a wrong token`), h.BAD_TOKEN)
    }
  })

  it('a token used with an environment it is not scoped to, or an unknown environment: 401/105', async () => {
    const other = await w.cda('/v3/assets', {}, { environment: 'development', headers: { access_token: w.tokens.production } })
    assert.deepEqual(h.expect(other, 401, 'production token on development'), h.BAD_TOKEN)
    const unknown = await w.cda('/v3/assets', { environment: 'nowhere' })
    assert.deepEqual(h.expect(unknown, 401, 'unknown environment'), h.BAD_TOKEN)
  })

  it('no environment: 422, error_code 141, errors.environment', async () => {
    const res = await h.request(server, 'GET', '/v3/assets', { headers: { api_key: w.apiKey, access_token: w.tokens.development } })
    const body = h.expect(res, 422, 'no environment')
    assert.equal(body.error_code, 141)
    assert.equal(typeof body.error_message, 'string')
    assert.deepEqual(body.errors, { environment: ['is required.'] })
  })

  it('a wrong api_key: 412, error_code 109', async () => {
    const res = await h.request(server, 'GET', '/v3/assets', {
      headers: { api_key: 'blt00000000000000ff', access_token: w.tokens.development },
      query: { environment: 'development' }
    })
    const body = h.expect(res, 412, 'wrong api_key')
    assert.equal(body.error_code, 109)
    assert.equal(body.error_message, "We can't retrieve the stack. Please recheck the entered api_key.")
    assert.equal(typeof body.errors, 'object')
  })

  it('not published: 404 with the recorded body', async () => {
    const res = await w.cda(`/v3/assets/${a.draft.uid}`)
    assert.deepEqual(h.expect(res, 404, 'draft'), h.NOT_FOUND)
  })

  it('through the SDK a 401 is retried and surfaces as status 0 (the trap docs/clients.md explains)', async () => {
    const bad = w.sdk('development', { deliveryToken: 'cs000000000000000000000000', retryDelay: 50 })
    const err = await h.rejection(bad.asset(a.hello.uid).fetch())
    assert.equal(err.status, 0, JSON.stringify(err))
  })
})

describe('HTTP details a browser app relies on', () => {
  it('content-type with charset, x-request-id, access-control-allow-origin: *', async () => {
    const res = await w.cda('/v3/assets', { locale: 'en-us' })
    h.expect(res, 200, 'list')
    assert.match(res.headers.get('content-type'), /^application\/json; ?charset=utf-8$/i)
    assert.ok(res.headers.get('x-request-id'), 'x-request-id')
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    const missing = await w.cda(`/v3/assets/${a.draft.uid}`)
    assert.equal(missing.status, 404)
    assert.equal(missing.headers.get('access-control-allow-origin'), '*', 'errors carry it too')
  })

  it('a CORS preflight on /v3 is answered for the headers the SDK sends', async () => {
    const res = await fetch(`${server.base}/v3/assets?environment=development`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'GET',
        // What the delivery SDK sends, plus the legacy SDK's content-type on GETs.
        'access-control-request-headers': 'api_key,access_token,x-user-agent,content-type'
      }
    })
    assert.ok(res.status === 200 || res.status === 204, `preflight status ${res.status}`)
    assert.ok(['*', 'http://localhost:3000'].includes(res.headers.get('access-control-allow-origin')),
      `allow-origin: ${res.headers.get('access-control-allow-origin')}`)
    const allowed = (res.headers.get('access-control-allow-headers') || '').toLowerCase()
    for (const header of ['api_key', 'access_token', 'x-user-agent', 'content-type']) {
      assert.ok(allowed === '*' || allowed.split(/\s*,\s*/).includes(header), `allow-headers "${allowed}" lacks ${header}`)
    }
  })

  it('a trailing slash on /v3/assets/ lists the same', async () => {
    const plain = await w.cda('/v3/assets', { locale: 'en-us' })
    const slash = await w.cda('/v3/assets/', { locale: 'en-us' })
    assert.deepEqual(h.expect(slash, 200, '/v3/assets/').assets.map((x) => x.uid), plain.data.assets.map((x) => x.uid))
  })
})
