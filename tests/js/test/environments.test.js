'use strict'
// Publishing environments through the official JS SDK: stack.environment()
// query/create, and fetch/update/delete by NAME (the SDK's path key), with its
// whole-object PUT, a rename through the old name's path, and the name rules.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, stack

before(async () => {
  server = await h.startServer()
  ;({ stack } = h.connect(server.port))
})

after(async () => {
  if (server) await server.stop()
})

const URLS = [{ locale: 'en-us', url: 'https://staging.example.com' }]

/** The fields every environment object has. */
function assertEnvironment (e, name) {
  assert.match(e.uid, h.UID_RE)
  assert.equal(e.name, name)
  assert.ok(Array.isArray(e.urls), `urls: ${JSON.stringify(e.urls)}`)
  assert.ok(Number.isInteger(e._version) && e._version >= 1, `_version: ${e._version}`)
  assert.match(e.created_at, h.ISO_RE)
  assert.match(e.updated_at, h.ISO_RE)
  assert.equal(typeof e.created_by, 'string')
  assert.equal(typeof e.updated_by, 'string')
}

async function names () {
  const { items } = await stack.environment().query().find()
  return items.map((e) => e.name).sort()
}

describe('a new stack', () => {
  it('has the development environment (url http://localhost:3000)', async () => {
    const { items } = await stack.environment().query().find()
    const dev = items.find((e) => e.name === 'development')
    assert.ok(dev, `environments: ${JSON.stringify(items.map((e) => e.name))}`)
    assertEnvironment(dev, 'development')
    assert.deepEqual(dev.urls.map((u) => u.url), ['http://localhost:3000'])
    const fetched = await stack.environment('development').fetch()
    assert.equal(fetched.uid, dev.uid)
  })

  it('a stack from the control API starts with it too, on its own', async () => {
    const created = await h.createStack(server, 'js-environments')
    const { stack: other } = h.connect(server.port, { apiKey: created.api_key, token: created.management_token })
    const { items, count } = await other.environment().query({ include_count: true }).find()
    assert.deepEqual(items.map((e) => e.name), ['development'])
    assert.equal(count, 1)
    const mine = await stack.environment('development').fetch()
    assert.notEqual(items[0].uid, mine.uid, 'environments are per stack')
  })
})

describe('create, fetch, update, rename, delete', () => {
  it('create: 201 with the notice and the environment; the SDK wraps it', async () => {
    const res = await h.raw(server, 'POST', '/v3/environments', { json: { environment: { name: 'preview', urls: URLS } } })
    assert.equal(res.status, 201, JSON.stringify(res.data))
    assert.equal(res.data.notice, 'Environment created successfully.')
    assertEnvironment(res.data.environment, 'preview')
    assert.deepEqual(res.data.environment.urls, URLS)
    assert.equal(res.data.environment._version, 1)

    const env = await stack.environment().create({ environment: { name: 'staging', urls: URLS } })
    assertEnvironment(env, 'staging')
    assert.deepEqual(env.urls, URLS)
    assert.equal(env._version, 1)
    assert.equal(typeof env.update, 'function')
  })

  it('fetch by name', async () => {
    const env = await stack.environment('staging').fetch()
    assertEnvironment(env, 'staging')
    assert.deepEqual(env.urls, URLS)
    const { items } = await stack.environment().query({ query: { name: 'staging' } }).find()
    assert.deepEqual(items.map((e) => e.uid), [env.uid])
  })

  it('update with the whole fetched object: new urls, _version + 1, same uid', async () => {
    const env = await stack.environment('staging').fetch()
    env.urls = [{ locale: 'en-us', url: 'https://staging2.example.com' }]
    const updated = await env.update()
    assertEnvironment(updated, 'staging')
    assert.equal(updated.uid, env.uid)
    assert.equal(updated._version, 2)
    assert.deepEqual(updated.urls, [{ locale: 'en-us', url: 'https://staging2.example.com' }])
    assert.equal(updated.created_at, env.created_at)
    assert.equal((await stack.environment('staging').fetch())._version, 2)
  })

  it('rename: PUT to the old name\'s path with the new name; then addressed by the new name only', async () => {
    const env = await stack.environment('staging').fetch()
    env.name = 'qa'
    const renamed = await env.update()
    assertEnvironment(renamed, 'qa')
    assert.equal(renamed.uid, env.uid)
    assert.equal(renamed._version, 3)
    assert.equal((await stack.environment('qa').fetch()).uid, env.uid)
    const err = await h.rejection(stack.environment('staging').fetch())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 141)
    assert.deepEqual(err.errors, { name: ['is not valid.'] })
    assert.deepEqual(await names(), ['development', 'preview', 'qa'])
  })

  it('delete: the notice, then it is gone', async () => {
    const res = await stack.environment('qa').delete()
    assert.equal(res.notice, 'Environment deleted successfully.')
    const err = await h.rejection(stack.environment('qa').fetch())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 141)
    const again = await h.rejection(stack.environment('qa').delete())
    assert.equal(again.status, 422)
    assert.equal(again.errorCode, 141)
    assert.deepEqual(await names(), ['development', 'preview'])
  })
})

describe('name rules', () => {
  it('a duplicate name: 422, error_code 120, errors.name "is not unique."', async () => {
    const err = await h.rejection(stack.environment().create({ environment: { name: 'development', urls: URLS } }))
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 120)
    assert.deepEqual(err.errors, { name: ['is not unique.'] })
    assert.deepEqual(await names(), ['development', 'preview'])
  })

  it('renaming to a taken name: 422, error_code 120, and nothing changes', async () => {
    const env = await stack.environment('preview').fetch()
    env.name = 'development'
    const err = await h.rejection(env.update())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 120)
    assert.deepEqual(err.errors, { name: ['is not unique.'] })
    const still = await stack.environment('preview').fetch()
    assert.equal(still._version, env._version)
    assert.deepEqual(await names(), ['development', 'preview'])
  })

  for (const [what, name] of [
    ['capital letters', 'Staging'],
    ['a space', 'my env'],
    ['#', 'a#b'],
    ['%', 'a%b'],
    ['^', 'a^b'],
    ['/', 'a/b'],
    ['\\', 'a\\b'],
    ['+', 'a+b'],
    ['?', 'a?b'],
    ['*', 'a*b'],
    [':', 'a:b'],
    ['|', 'a|b'],
    ['"', 'a"b'],
    ["'", "a'b"],
    ['<', 'a<b'],
    ['>', 'a>b'],
    ['`', 'a`b'],
    ['{', 'a{b'],
    ['=', 'a=b'],
    [',', 'a,b'],
    ['256 characters', 'x'.repeat(256)],
    ['an empty name', '']
  ]) {
    it(`${what}: 422 with errors.name, nothing created`, async () => {
      const err = await h.rejection(stack.environment().create({ environment: { name, urls: URLS } }))
      assert.equal(err.status, 422, `${JSON.stringify(name)}: ${err.message}`)
      assert.equal(typeof err.errorCode, 'number')
      assert.ok(Array.isArray(err.errors.name), `errors: ${JSON.stringify(err.errors)}`)
      assert.deepEqual(await names(), ['development', 'preview'])
    })
  }

  it('255 characters, digits, - and _ are fine', async () => {
    for (const name of ['x'.repeat(255), 'prod-2_eu']) {
      const env = await stack.environment().create({ environment: { name, urls: URLS } })
      assert.equal(env.name, name)
      assert.equal((await stack.environment(name).fetch()).uid, env.uid)
      assert.equal((await stack.environment(name).delete()).notice, 'Environment deleted successfully.')
    }
  })
})
