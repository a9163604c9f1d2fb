'use strict'
// Shared pieces of the JS conformance suite: the real contentstack-mock binary on a
// free port (started through the test kit, tests/lib/mock.js), official-SDK clients that
// reach it through a hostname (never an IP: the SDK's retries crash the process on IP and
// localhost hosts, "SSRF Prevention"), and a few fixtures and helpers.

const dns = require('node:dns')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const assert = require('node:assert/strict')
const contentstack = require('@contentstack/management')

const { BIN, startServer } = require('../../lib/mock')

const DEFAULT_API_KEY = 'blt0000000000000001'
const DEFAULT_TOKEN = 'cs00000000000000000000000000000001'
const UID_RE = /^blt[a-f0-9]{16}$/
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const FOLDER_CT = 'application/vnd.contenstack.folder'
const MISSING_UID = 'blt0123456789abcdef'

// A valid 3x2 RGB PNG (73 bytes).
const PNG_3X2 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==',
  'base64')
// Every byte value once, so a download that mangles binary data shows.
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

/** axios `lookup`: `*.mock` and `localhost` resolve to 127.0.0.1 (the mock listens on IPv4 only). */
function lookup (hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {} }
  if (typeof options === 'number') options = { family: options }
  options = options || {}
  if (hostname === 'localhost' || hostname.endsWith('.mock')) {
    return process.nextTick(() => options.all
      ? callback(null, [{ address: '127.0.0.1', family: 4 }])
      : callback(null, '127.0.0.1', 4))
  }
  return dns.lookup(hostname, options, callback)
}

/** An official SDK client pointed at the mock through the `cma.mock` hostname. */
function makeClient (port, extra = {}) {
  return contentstack.client({
    host: 'cma.mock',
    port,
    insecure: true,
    lookup,
    timeout: 15000,
    logHandler: () => {},
    ...extra
  })
}

/** A client plus a stack handle, for the default stack unless credentials are given. */
function connect (port, { apiKey = DEFAULT_API_KEY, token = DEFAULT_TOKEN, client = {} } = {}) {
  const c = makeClient(port, client)
  const stack = c.stack({ api_key: apiKey, management_token: token })
  return { client: c, stack }
}

/** Plain HTTP call to the mock (control API, or checks the SDK cannot make). */
async function raw (server, method, urlPath, { json, headers = {}, apiKey = DEFAULT_API_KEY, token = DEFAULT_TOKEN } = {}) {
  const h = { ...headers }
  if (urlPath.startsWith('/v3')) {
    h.api_key = apiKey
    h.authorization = token
  }
  let body
  if (json !== undefined) {
    h['content-type'] = 'application/json'
    body = JSON.stringify(json)
  }
  const res = await fetch(server.base + urlPath, { method, headers: h, body })
  const text = await res.text()
  let data
  try { data = text ? JSON.parse(text) : undefined } catch { data = text }
  return { status: res.status, headers: res.headers, data }
}

/** A fresh, isolated stack from the control API: { api_key, management_token, name }. */
async function createStack (server, name) {
  const res = await raw(server, 'POST', '/_mock/stacks', { json: { name } })
  assert.equal(res.status, 201, `POST /_mock/stacks → ${res.status} ${JSON.stringify(res.data)}`)
  const stack = res.data.stack
  assert.match(stack.api_key, /\S/)
  assert.match(stack.management_token, /\S/)
  assert.equal(stack.name, name)
  return stack
}

/** A temp dir with the files the tests upload. */
function fixtures () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csmock-js-'))
  const files = {
    dir,
    hello: path.join(dir, 'hello.txt'),
    helloBytes: Buffer.from('hello from the official JS SDK\n'),
    png: path.join(dir, 'pixel.png'),
    bin: path.join(dir, 'all-bytes.bin'),
    replacement: path.join(dir, 'replacement.txt'),
    replacementBytes: Buffer.from('replaced content, longer than the first one\n'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true })
  }
  fs.writeFileSync(files.hello, files.helloBytes)
  fs.writeFileSync(files.png, PNG_3X2)
  fs.writeFileSync(files.bin, ALL_BYTES)
  fs.writeFileSync(files.replacement, files.replacementBytes)
  return files
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

/** Asserts the shape every file asset must have. */
function assertFileAsset (a) {
  assert.match(a.uid, UID_RE)
  assert.match(a.created_at, ISO_RE)
  assert.match(a.updated_at, ISO_RE)
  assert.equal(typeof a.created_by, 'string')
  assert.equal(typeof a.updated_by, 'string')
  assert.equal(typeof a.content_type, 'string')
  assert.equal(typeof a.file_size, 'string', `file_size must be a string, got ${typeof a.file_size}`)
  assert.match(a.file_size, /^\d+$/)
  assert.ok(Array.isArray(a.tags), 'tags must be an array')
  assert.equal(typeof a.filename, 'string')
  assert.equal(typeof a.url, 'string')
  assert.equal(typeof a.title, 'string')
  assert.equal(a.is_dir, false)
  assert.ok(Number.isInteger(a._version) && a._version >= 1, `_version must be an integer, got ${a._version}`)
  assert.ok(a.parent_uid === null || UID_RE.test(a.parent_uid), `parent_uid: ${a.parent_uid}`)
  assert.equal(typeof a.ACL, 'object')
}

/** Asserts the shape every folder must have. */
function assertFolder (f) {
  assert.match(f.uid, UID_RE)
  assert.equal(f.is_dir, true)
  assert.equal(f.content_type, FOLDER_CT)
  assert.equal(typeof f.name, 'string')
  assert.ok(Number.isInteger(f._version))
  assert.match(f.created_at, ISO_RE)
  assert.ok(f.parent_uid === null || UID_RE.test(f.parent_uid), `parent_uid: ${f.parent_uid}`)
  assert.equal(f.file_size, undefined, 'a folder has no file_size')
  assert.equal(f.url, undefined, 'a folder has no url')
}

/** The data fields of an SDK object (its methods dropped). */
function plain (obj) {
  return JSON.parse(JSON.stringify(obj))
}

module.exports = {
  ALL_BYTES,
  BIN,
  DEFAULT_API_KEY,
  DEFAULT_TOKEN,
  FOLDER_CT,
  ISO_RE,
  MISSING_UID,
  PNG_3X2,
  UID_RE,
  assertFileAsset,
  assertFolder,
  connect,
  createStack,
  fixtures,
  lookup,
  makeClient,
  plain,
  raw,
  rejection,
  startServer
}
