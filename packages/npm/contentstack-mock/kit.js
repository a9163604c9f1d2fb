// The test kit: a running contentstack-mock seen through its /_mock API. `Mock` makes
// fresh stacks; `Stack` carries a stack's credentials, options for the official SDKs and
// its controls (clock, faults, snapshots, request journal, reset). Used by `startMock()`
// (index.js) and by the Testcontainers module (testcontainers.js).
'use strict'

const dns = require('node:dns')
const net = require('node:net')

/**
 * The name the management SDK is given when the mock's URL names an IP address or
 * `localhost`: the SDK's retries refuse those hosts ("SSRF Prevention") and crash the
 * process, so it gets a name, and a `lookup` that resolves it to the mock's address.
 */
const SDK_HOSTNAME = 'contentstack-mock.test'

/** The delivery token scope of a kit stack: its environments, the `main` branch. */
function deliveryScope (environments) {
  return [
    { module: 'environment', environments, acl: { read: true } },
    { module: 'branch', branches: ['main'], acl: { read: true } }
  ]
}

/** An error answered by the mock: `status`, and Contentstack's `errorCode` and `errors`. */
class MockError extends Error {
  constructor (method, path, status, body) {
    const message = body && typeof body === 'object' && body.error_message
      ? body.error_message
      : (typeof body === 'string' && body) || `HTTP ${status}`
    super(`${method} ${path}: ${status} ${message}`)
    this.name = 'MockError'
    this.status = status
    this.errorCode = body && typeof body === 'object' ? body.error_code : undefined
    this.errors = (body && typeof body === 'object' && body.errors) || {}
    this.body = body
  }
}

/** The seconds of an `{days, hours, minutes, seconds}` duration, for the clock calls. */
function durationBody (duration) {
  const units = ['days', 'hours', 'minutes', 'seconds']
  const given = units.filter((unit) => duration && duration[unit] !== undefined)
  if (given.length === 0) throw new TypeError('clock.advance() needs days, hours, minutes or seconds')
  if (given.length === 1) return { [given[0]]: duration[given[0]] }
  const factor = { days: 86400, hours: 3600, minutes: 60, seconds: 1 }
  return { seconds: given.reduce((sum, unit) => sum + duration[unit] * factor[unit], 0) }
}

/** A contentstack-mock reached at `url` (no trailing slash). */
class Mock {
  /**
   * @param {{ url: string, adminToken?: string, onStop?: () => Promise<void> }} options
   *   `onStop` stops a mock this process started; without it, `stop()` deletes the stacks
   *   made through this object and leaves the mock running.
   */
  constructor ({ url, adminToken, onStop }) {
    this.url = String(url).replace(/\/+$/, '')
    this.adminToken = adminToken
    this._onStop = onStop
    this._made = new Set()
  }

  /** Calls the mock; resolves with the parsed JSON body (undefined for an empty one). */
  async request (method, path, { json, query, headers = {} } = {}) {
    const url = new URL(this.url + path)
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value))
    }
    const sent = { ...headers }
    if (this.adminToken && path.startsWith('/_mock/')) sent.authorization = `Bearer ${this.adminToken}`
    let body
    if (json !== undefined) {
      sent['content-type'] = 'application/json'
      body = JSON.stringify(json)
    }
    const answer = await fetch(url, { method, headers: sent, body })
    const text = await answer.text()
    let parsed
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = text
    }
    if (!answer.ok) throw new MockError(method, path, answer.status, parsed)
    return parsed
  }

  /** `GET /_mock/health`: `{status, version}`. */
  health () {
    return this.request('GET', '/_mock/health')
  }

  /** Every stack of the mock, with its credentials. */
  async stacks () {
    return (await this.request('GET', '/_mock/stacks')).stacks
  }

  /**
   * A fresh, isolated stack, with a delivery token for its environments.
   * @param {import('./index').StackOptions} [options]
   */
  async stack (options = {}) {
    const body = { name: options.name ?? `test stack ${Date.now().toString(36)}` }
    if (options.apiKey !== undefined) body.api_key = options.apiKey
    if (options.managementToken !== undefined) body.management_token = options.managementToken
    if (options.userName !== undefined) body.user_name = options.userName
    if (options.environments !== undefined) body.environments = options.environments
    if (options.masterLocale !== undefined) body.master_locale = options.masterLocale
    if (options.rateLimits !== undefined) body.rate_limits = options.rateLimits
    const { stack: info } = await this.request('POST', '/_mock/stacks', { json: body })
    this._made.add(info.api_key)
    const stack = new Stack(this, info, options.environments ?? ['development'])
    if (stack.environments.length > 0) await stack._makeDeliveryToken()
    return stack
  }

  /** `POST /_mock/reset`: every stack removed, the default stack re-created. */
  async reset () {
    await this.request('POST', '/_mock/reset')
    this._made.clear()
  }

  /**
   * Stops the mock this process started; for a mock it attached to, deletes the stacks
   * made through this object instead (the mock keeps running).
   */
  async stop () {
    if (this._onStop) return this._onStop()
    const made = [...this._made]
    this._made.clear()
    await Promise.all(made.map((apiKey) =>
      this.request('DELETE', `/_mock/stacks/${apiKey}`).catch((error) => {
        if (error.status !== 404) throw error
      })))
  }
}

/** One stack of a mock: credentials, SDK options and the stack's controls. */
class Stack {
  constructor (mock, info, environments) {
    this.mock = mock
    this.info = info
    this.apiKey = info.api_key
    this.managementToken = info.management_token
    this.name = info.name
    this.userName = info.user_name
    this.environments = environments
    /** The environment `deliveryStackOptions()` names: the first of `environments`. */
    this.environment = environments[0]
    /** A delivery token for every environment of the stack (and branch `main`). */
    this.deliveryToken = undefined
    const control = `/_mock/stacks/${this.apiKey}`
    this._control = control
    const call = (method, path, options) => mock.request(method, control + path, options)
    this.clock = {
      /** The stack's current time. */
      now: async () => new Date((await call('GET', '/clock')).now),
      /** `{now, offset_seconds, frozen}`. */
      get: () => call('GET', '/clock'),
      /** Moves the clock forward; resolves once due publishes and purges ran: `{now, published, purged}`. */
      advance: (duration) => call('POST', '/clock/advance', { json: durationBody(duration) }),
      /** Sets the clock to a later time (a Date or an RFC 3339 string). */
      set: (now) => call('PUT', '/clock', { json: { now: now instanceof Date ? now.toISOString() : now } }),
      freeze: () => call('POST', '/clock/freeze'),
      resume: () => call('POST', '/clock/resume'),
      /** Back to real time. */
      reset: () => call('DELETE', '/clock')
    }
    this.faults = {
      /** Arms a fault: the next `count` (1) matching `/v3` requests answer `status`. */
      add: async (fault) => (await call('POST', '/faults', { json: fault })).fault,
      list: async () => (await call('GET', '/faults')).faults,
      clear: () => call('DELETE', '/faults')
    }
    this.trash = {
      /** `{items, count}`, newest first. */
      list: (query) => call('GET', '/trash', { query }),
      restore: (uid, options) => call('POST', `/trash/${uid}/restore`, options ? { json: options } : {}),
      /** Runs the retention purge now: `{purged}`. */
      purge: () => call('POST', '/trash/purge'),
      empty: () => call('DELETE', '/trash')
    }
    this._call = call
  }

  async _makeDeliveryToken () {
    const answer = await this.mock.request('POST', '/v3/stacks/delivery_tokens', {
      headers: { api_key: this.apiKey, authorization: this.managementToken },
      json: {
        token: {
          name: 'contentstack-mock test kit',
          description: 'made by the test kit for its delivery options',
          scope: deliveryScope(this.environments)
        }
      }
    })
    this.deliveryToken = answer.token.token
  }

  /** The `api_key` and `authorization` headers of a management call. */
  headers () {
    return { api_key: this.apiKey, authorization: this.managementToken }
  }

  /**
   * Options for `@contentstack/management`'s `client({...})`: host, port, `insecure` for
   * plain HTTP. An IP or `localhost` URL is given to the SDK as a name with a `lookup`
   * to the mock's address, so that its retries (of 429s and 5xx) work.
   */
  managementClientOptions (extra = {}) {
    const address = new URL(this.mock.url)
    const hostname = address.hostname.replace(/^\[|\]$/g, '')
    const port = Number(address.port) || (address.protocol === 'https:' ? 443 : 80)
    const options = { host: hostname, port, insecure: address.protocol === 'http:' }
    if (net.isIP(hostname) || /^(localhost|internal)/i.test(hostname)) {
      const target = /^localhost$/i.test(hostname) ? '127.0.0.1' : hostname
      const family = net.isIP(target)
      options.host = SDK_HOSTNAME
      options.lookup = (name, lookupOptions, callback) => {
        if (typeof lookupOptions === 'function') { callback = lookupOptions; lookupOptions = {} }
        if (typeof lookupOptions === 'number') lookupOptions = { family: lookupOptions }
        if (name !== SDK_HOSTNAME) return dns.lookup(name, lookupOptions || {}, callback)
        return process.nextTick(() => (lookupOptions || {}).all
          ? callback(null, [{ address: target, family }])
          : callback(null, target, family))
      }
    }
    return { ...options, ...extra }
  }

  /** Options for the SDK's `client.stack({...})`: `api_key`, `management_token`. */
  managementStackOptions (extra = {}) {
    return { api_key: this.apiKey, management_token: this.managementToken, ...extra }
  }

  /** Options for `@contentstack/delivery-sdk`'s `contentstack.stack({...})`. */
  deliveryStackOptions (extra = {}) {
    if (!this.deliveryToken) throw new Error('this stack has no environment, so no delivery token')
    const address = new URL(this.mock.url)
    return {
      apiKey: this.apiKey,
      deliveryToken: this.deliveryToken,
      environment: this.environment,
      host: address.hostname.replace(/^\[|\]$/g, ''),
      port: Number(address.port) || (address.protocol === 'https:' ? 443 : 80),
      insecure: address.protocol === 'http:',
      ...extra
    }
  }

  /** Saves the stack (rows and files) under `name`: `{name, created_at, assets, bytes}`. */
  async snapshot (name) {
    return (await this._call('POST', '/snapshots', { json: { name } })).snapshot
  }

  /** Puts the stack back exactly as the snapshot `name` saved it. */
  restore (name) {
    return this._call('POST', `/snapshots/${encodeURIComponent(name)}/restore`)
  }

  /** The stack's snapshots. */
  async snapshots () {
    return (await this._call('GET', '/snapshots')).snapshots
  }

  deleteSnapshot (name) {
    return this._call('DELETE', `/snapshots/${encodeURIComponent(name)}`)
  }

  /**
   * The journal of the stack's requests, newest first; `filter`: `method`, `pathPrefix`
   * (or `path_prefix`), `status`.
   */
  async requests (filter = {}) {
    const query = {
      method: filter.method,
      path_prefix: filter.pathPrefix ?? filter.path_prefix,
      status: filter.status
    }
    return (await this._call('GET', '/requests', { query })).requests
  }

  clearRequests () {
    return this._call('DELETE', '/requests')
  }

  /** Turns rate limits on or off: `{enabled, read?, write?, bulk?, delivery?}`. */
  rateLimits (settings) {
    return this._call('PUT', '/rate_limits', { json: settings })
  }

  /** Empties the stack (assets, folders, trash, faults, ...); credentials and tokens kept. */
  async reset () {
    const answer = await this._call('POST', '/reset')
    if (answer && answer.stack) this.info = answer.stack
    return this.info
  }

  /** Removes the stack with all its data and files. */
  async delete () {
    await this.mock.request('DELETE', this._control)
    this.mock._made.delete(this.apiKey)
  }
}

module.exports = { Mock, MockError, Stack, SDK_HOSTNAME, deliveryScope }
