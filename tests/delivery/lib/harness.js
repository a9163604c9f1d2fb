'use strict'
// Shared pieces of the delivery conformance suite: start the real contentstack-mock
// binary on a free port (through the test kit, tests/lib/mock.js), set a stack up through
// plain HTTP (environments, locales, delivery tokens, uploads, publishing: the management
// side is not what these tests prove), and build the official delivery SDK clients that
// read it back.

const assert = require('node:assert/strict')
const Contentstack = require('@contentstack/delivery-sdk').default
const { QueryOperation } = require('@contentstack/delivery-sdk')
const Legacy = require('contentstack')

const shared = require('../../lib/mock')

const UID_RE = /^blt[a-f0-9]{16}$/
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const DELIVERY_TOKEN_RE = /^cs[a-f0-9]{24}$/
const MISSING_UID = 'blt0123456789abcdef'

// A valid 3x2 RGB PNG (73 bytes).
const PNG_3X2 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==',
  'base64')

// The keys of a delivered asset, in the order the real CDA sends them
// (recorded; `dimension` sits before `publish_details` when asked for).
const DELIVERED_KEYS = ['uid', 'created_at', 'content_type', 'created_by', 'tags', 'filename', 'url',
  '_version', 'title', 'is_dir', 'updated_at', 'ACL', 'updated_by', 'file_size', 'publish_details']
const DELIVERED_KEYS_WITH_DIMENSION = [...DELIVERED_KEYS.slice(0, -1), 'dimension', 'publish_details']

const NOT_FOUND = { error_message: 'Asset was not found.', error_code: 145, errors: { uid: ['is not valid.'] } }
const BAD_TOKEN = {
  error_message: "You're not allowed in here unless you're logged in!",
  error_code: 105,
  errors: { access_token: ['is not valid.'] }
}

/**
 * Starts the binary on a free port (tests/lib/mock.js, the test kit); with `tls`, an
 * HTTPS listener too. Resolves to { port, base, tlsPort?, certPath?, stop() }.
 */
function startServer ({ tls = false } = {}) {
  return shared.startServer({ tlsListen: tls ? '127.0.0.1:0' : undefined })
}

/** Plain HTTP call: { status, headers, data } (data parsed as JSON when it is JSON). */
async function request (server, method, urlPath, { json, body, headers = {}, query } = {}) {
  const h = { ...headers }
  if (json !== undefined) {
    h['content-type'] = 'application/json'
    body = JSON.stringify(json)
  }
  let url = server.base + urlPath
  if (query) url += (url.includes('?') ? '&' : '?') + new URLSearchParams(query).toString()
  const res = await fetch(url, { method, headers: h, body })
  const text = await res.text()
  let data
  try { data = text ? JSON.parse(text) : undefined } catch { data = text }
  return { status: res.status, headers: res.headers, data }
}

/** Asserts a status and returns the body; the message names the call and its answer. */
function expect (res, status, what) {
  assert.equal(res.status, status, `${what} → ${res.status} ${JSON.stringify(res.data)}`)
  return res.data
}

/**
 * The management side of one stack, through plain HTTP with its management token:
 * what the tests need to set up and change the content they then read through delivery.
 */
class Cma {
  constructor (server, stack) {
    this.server = server
    this.apiKey = stack.api_key
    this.token = stack.management_token
  }

  call (method, urlPath, opts = {}) {
    return request(this.server, method, urlPath, {
      ...opts,
      headers: { api_key: this.apiKey, authorization: this.token, ...(opts.headers || {}) }
    })
  }

  /** Uploads bytes as a new asset; returns the CMA asset. */
  async upload (bytes, filename, { contentType = 'application/octet-stream', title, tags } = {}) {
    const form = new FormData()
    if (title !== undefined) form.append('asset[title]', title)
    if (tags !== undefined) form.append('asset[tags]', tags.join(','))
    form.append('asset[upload]', new Blob([bytes], { type: contentType }), filename)
    const res = await this.call('POST', '/v3/assets', { body: form })
    return expect(res, 201, `upload ${filename}`).asset
  }

  /** Replaces an asset's file (a new version with a new url); returns the CMA asset. */
  async replace (uid, bytes, filename, contentType = 'application/octet-stream') {
    const form = new FormData()
    form.append('asset[upload]', new Blob([bytes], { type: contentType }), filename)
    const res = await this.call('PUT', `/v3/assets/${uid}`, { body: form })
    return expect(res, 200, `replace ${uid}`).asset
  }

  async updateTitle (uid, title) {
    const res = await this.call('PUT', `/v3/assets/${uid}`, { json: { asset: { title } } })
    return expect(res, 200, `update ${uid}`).asset
  }

  async fetchAsset (uid, query) {
    const res = await this.call('GET', `/v3/assets/${uid}`, { query })
    return expect(res, 200, `GET /v3/assets/${uid}`).asset
  }

  /** POST /v3/assets/{uid}/publish: 201 "Asset sent for publishing." */
  async publish (uid, { environments = ['development'], locales = ['en-us'], version } = {}) {
    const json = { asset: { environments, locales } }
    if (version !== undefined) json.version = version
    const res = await this.call('POST', `/v3/assets/${uid}/publish`, { json })
    assert.deepEqual(expect(res, 201, `publish ${uid} to ${environments}/${locales}`),
      { notice: 'Asset sent for publishing.' })
  }

  async unpublish (uid, { environments = ['development'], locales = ['en-us'] } = {}) {
    const res = await this.call('POST', `/v3/assets/${uid}/unpublish`, { json: { asset: { environments, locales } } })
    assert.deepEqual(expect(res, 201, `unpublish ${uid} from ${environments}/${locales}`),
      { notice: 'Asset sent for unpublishing.' })
  }

  async deleteAsset (uid) {
    expect(await this.call('DELETE', `/v3/assets/${uid}`), 200, `DELETE /v3/assets/${uid}`)
  }

  /** Restores a trashed asset through the control API. */
  async restore (uid) {
    const res = await request(this.server, 'POST', `/_mock/stacks/${this.apiKey}/trash/${uid}/restore`)
    return expect(res, 200, `restore ${uid}`).asset
  }

  async createEnvironment (name, url = 'http://localhost:3001') {
    const res = await this.call('POST', '/v3/environments', {
      json: { environment: { name, urls: [{ locale: 'en-us', url }] } }
    })
    return expect(res, 201, `POST /v3/environments ${name}`).environment
  }

  async environment (name) {
    return expect(await this.call('GET', `/v3/environments/${name}`), 200, `GET /v3/environments/${name}`).environment
  }

  async deleteEnvironment (name) {
    expect(await this.call('DELETE', `/v3/environments/${name}`), 200, `DELETE /v3/environments/${name}`)
  }

  async createLocale (code, name, fallbackLocale) {
    const res = await this.call('POST', '/v3/locales', {
      json: { locale: { code, name, fallback_locale: fallbackLocale } }
    })
    return expect(res, 201, `POST /v3/locales ${code}`).locale
  }

  /** Creates a delivery token scoped to the named environments; returns its value (`cs` + 24 hex). */
  async createDeliveryToken (name, environments) {
    const res = await this.call('POST', '/v3/stacks/delivery_tokens', {
      json: {
        token: {
          name,
          description: `${name} for the delivery suite`,
          scope: [{ module: 'environment', environments, acl: { read: true } }, { module: 'branch', branches: ['main'], acl: { read: true } }]
        }
      }
    })
    const token = expect(res, 201, `POST /v3/stacks/delivery_tokens ${name}`).token
    assert.match(token.token, DELIVERY_TOKEN_RE, `delivery token value: ${token.token}`)
    return token.token
  }
}

/**
 * A fresh stack for one test file, as a site in local development has it:
 * the default `development` environment and `en-us` master locale, plus a
 * `production` environment, a `fr-fr` locale falling back to `en-us`, and a
 * delivery token for each environment.
 */
async function createWorld (server, name) {
  const res = await request(server, 'POST', '/_mock/stacks', { json: { name } })
  const stack = expect(res, 201, 'POST /_mock/stacks').stack
  const cma = new Cma(server, stack)
  const development = await cma.environment('development')
  const production = await cma.createEnvironment('production')
  await cma.createLocale('fr-fr', 'French - France', 'en-us')
  const devToken = await cma.createDeliveryToken('development site', ['development'])
  const prodToken = await cma.createDeliveryToken('production site', ['production'])
  return {
    apiKey: stack.api_key,
    cma,
    env: { development: development.uid, production: production.uid },
    tokens: { development: devToken, production: prodToken },
    /** The current delivery SDK for this stack (delivery token of `environment`). */
    sdk: (environment = 'development', extra = {}) => deliverySdk(server, {
      apiKey: stack.api_key, deliveryToken: extra.deliveryToken || (environment === 'development' ? devToken : prodToken), environment, ...extra
    }),
    /** The legacy `contentstack` SDK for this stack. */
    legacy: (environment = 'development') => legacySdk(server, {
      apiKey: stack.api_key, deliveryToken: environment === 'development' ? devToken : prodToken, environment
    }),
    /** A raw delivery call: the stack's api_key and the environment's delivery token. */
    cda: (urlPath, query = {}, { environment = 'development', headers = {} } = {}) => request(server, 'GET', urlPath, {
      headers: { api_key: stack.api_key, access_token: environment === 'development' ? devToken : prodToken, ...headers },
      query: { environment, ...query }
    })
  }
}

/** `@contentstack/delivery-sdk` pointed at the mock over plain HTTP. */
function deliverySdk (server, { apiKey, deliveryToken, environment, ...extra }) {
  return Contentstack.stack({
    apiKey,
    deliveryToken,
    environment,
    host: '127.0.0.1',
    port: server.port,
    insecure: true,
    logHandler: () => {},
    ...extra
  })
}

/** The legacy `contentstack` SDK pointed at the mock over plain HTTP. */
function legacySdk (server, { apiKey, deliveryToken, environment }) {
  const stack = Legacy.Stack({ api_key: apiKey, delivery_token: deliveryToken, environment })
  stack.setProtocol('http')
  stack.setHost('127.0.0.1')
  stack.setPort(server.port)
  return stack
}

/** Awaits a promise that must reject; returns the rejection. */
async function rejection (promise) {
  try {
    const value = await promise
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`)
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err
    return err
  }
}

/** The delivery SDK's APIError for a 404 "Asset was not found." */
function assertSdkNotFound (err) {
  assert.equal(err.status, 404, `status: ${JSON.stringify(err)}`)
  assert.equal(err.error_code, 145, `error_code: ${JSON.stringify(err)}`)
  assert.equal(err.error_message, 'Asset was not found.')
}

/** Checks a delivered asset against what the CMA says about the published version. */
function assertDelivered (a, published, { envUid, locale = 'en-us', dimension = false } = {}) {
  assert.deepEqual(Object.keys(a), dimension ? DELIVERED_KEYS_WITH_DIMENSION : DELIVERED_KEYS,
    `delivered keys of ${a.uid}`)
  for (const key of ['uid', 'created_at', 'content_type', 'created_by', 'filename', 'url', '_version', 'title',
    'updated_at', 'updated_by', 'file_size']) {
    assert.deepEqual(a[key], published[key], `${key} of ${a.uid}`)
  }
  assert.deepEqual(a.tags, published.tags)
  assert.equal(a.is_dir, false)
  assert.equal(typeof a.ACL, 'object')
  assert.equal(typeof a.file_size, 'string')
  const pd = a.publish_details
  assert.ok(pd && typeof pd === 'object' && !Array.isArray(pd), `publish_details is one object: ${JSON.stringify(pd)}`)
  assert.deepEqual(Object.keys(pd).sort(), ['environment', 'locale', 'time', 'user'], JSON.stringify(pd))
  if (envUid) assert.equal(pd.environment, envUid)
  assert.equal(pd.locale, locale)
  assert.match(pd.time, ISO_RE)
  assert.equal(typeof pd.user, 'string')
}

/** Runs fn over items with at most `width` calls in flight; keeps the order of the results. */
async function inBatches (items, width, fn) {
  const out = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }))
  return out
}

/** Keeps created_at values distinct (millisecond timestamps). */
const pause = () => new Promise((resolve) => setTimeout(resolve, 5))

module.exports = {
  BAD_TOKEN,
  BIN: shared.BIN,
  DELIVERED_KEYS,
  DELIVERY_TOKEN_RE,
  ISO_RE,
  MISSING_UID,
  NOT_FOUND,
  PNG_3X2,
  QueryOperation,
  UID_RE,
  assertDelivered,
  assertSdkNotFound,
  createWorld,
  deliverySdk,
  expect,
  inBatches,
  legacySdk,
  pause,
  rejection,
  request,
  startServer
}
