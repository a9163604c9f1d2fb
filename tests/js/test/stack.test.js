'use strict'
// The stack around the assets through the official JS SDK, as its own sanity suites
// drive it (locale-test, token-test, previewToken-test, stack-test): the stack object
// and its settings, locales by code with their rules, delivery tokens with environment
// and branch scopes, preview tokens, management tokens (and one used as a credential,
// its asset scope honoured), branches, and what answers as an empty stack.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const h = require('../lib/harness')

let server, stack, apiKey, token

before(async () => {
  server = await h.startServer()
  const created = await h.createStack(server, 'js-stack')
  apiKey = created.api_key
  token = created.management_token
  ;({ stack } = h.connect(server.port, { apiKey, token }))
})

after(async () => {
  if (server) await server.stop()
})

const BRANCH_SCOPE = { module: 'branch', branches: ['main'], acl: { read: true } }

describe('the stack', () => {
  it('fetch: api_key, name, org_uid, master_locale and timestamps', async () => {
    const s = await stack.fetch()
    assert.equal(s.api_key, apiKey)
    assert.equal(s.name, 'js-stack')
    assert.equal(typeof s.org_uid, 'string')
    assert.equal(s.master_locale, 'en-us')
    assert.match(s.created_at, h.ISO_RE)
    assert.match(s.updated_at, h.ISO_RE)
    assert.equal(typeof s.owner_uid, 'string')
  })

  it('update: name and description, with the whole fetched object', async () => {
    const s = await stack.fetch()
    s.name = 'js-stack renamed'
    s.description = 'described by the SDK'
    const updated = await s.update()
    assert.equal(updated.name, 'js-stack renamed')
    assert.equal(updated.description, 'described by the SDK')
    assert.equal((await stack.fetch()).name, 'js-stack renamed')
    const empty = await stack.fetch()
    empty.name = ''
    const err = await h.rejection(empty.update())
    assert.equal(err.status, 422)
  })

  it('settings: read, add, reset', async () => {
    const settings = await stack.settings()
    assert.deepEqual(settings.stack_variables, {})
    const added = await stack.addSettings({ enforce_unique_urls: true })
    assert.equal(added.stack_variables.enforce_unique_urls, true)
    assert.equal((await stack.settings()).stack_variables.enforce_unique_urls, true)
    const reset = await stack.resetSettings()
    assert.deepEqual(reset.stack_variables, {})
  })

  it('an unknown api_key is refused', async () => {
    const { stack: nowhere } = h.connect(server.port, { apiKey: 'invalid_api_key_12345', token })
    const err = await h.rejection(nowhere.fetch())
    assert.equal(err.status, 412)
    assert.equal(err.errorCode, 109)
  })

  it('branches: main, and no other', async () => {
    const { items } = await stack.branch().query().find()
    assert.deepEqual(items.map((b) => b.uid), ['main'])
    assert.equal((await stack.branch('main').fetch()).uid, 'main')
    const err = await h.rejection(stack.branch('develop').fetch())
    assert.equal(err.status, 422)
  })

  it('what is not emulated answers as an empty stack', async () => {
    for (const [what, list] of [
      ['contentType', () => stack.contentType().query().find()],
      ['globalField', () => stack.globalField().query().find()],
      ['role', () => stack.role().fetchAll()],
      ['workflow', () => stack.workflow().fetchAll()],
      ['extension', () => stack.extension().query().find()],
      ['webhook', () => stack.webhook().fetchAll()],
      ['taxonomy', () => stack.taxonomy().query().find()],
      ['label', () => stack.label().query().find()]
    ]) {
      const { items } = await list()
      assert.deepEqual(items, [], what)
    }
    const err = await h.rejection(stack.contentType('page').fetch())
    assert.equal(err.status, 422)
    assert.equal(err.errorCode, 118)
  })
})

describe('locales (the SDK\'s locale suite)', () => {
  let master
  before(async () => { master = (await stack.fetch()).master_locale })

  it('query: the master locale is there', async () => {
    const { items } = await stack.locale().query().find()
    assert.ok(items.find((l) => l.code === master))
  })

  it('create fr-fr: it falls back to the master', async () => {
    const locale = await stack.locale().create({ locale: { name: 'French - France', code: 'fr-fr' } })
    assert.equal(locale.code, 'fr-fr')
    assert.equal(locale.fallback_locale, 'en-us')
    assert.equal((await stack.locale('fr-fr').fetch()).code, 'fr-fr')
  })

  it('update the name with the whole fetched object', async () => {
    const locale = await stack.locale('fr-fr').fetch()
    locale.name = 'French - France (Updated)'
    assert.equal((await locale.update()).name, 'French - France (Updated)')
  })

  it('create de-de with a fallback, then change it', async () => {
    const locale = await stack.locale().create({ locale: { name: 'German - Germany', code: 'de-de', fallback_locale: 'fr-fr' } })
    assert.equal(locale.fallback_locale, 'fr-fr')
    const fetched = await stack.locale('de-de').fetch()
    fetched.fallback_locale = master
    assert.equal((await fetched.update()).fallback_locale, master)
  })

  it('refused: an invalid code, a duplicate, an unknown one, the master\'s delete, a missing fallback', async () => {
    const invalid = await h.rejection(stack.locale().create({ locale: { name: 'Invalid Locale', code: 'invalid-code-format' } }))
    assert.equal(invalid.status, 422)
    assert.deepEqual(Object.keys(invalid.errors), ['code'])
    const duplicate = await h.rejection(stack.locale().create({ locale: { name: 'Duplicate Master', code: master } }))
    assert.equal(duplicate.status, 422)
    assert.equal(duplicate.errorCode, 247)
    const unknown = await h.rejection(stack.locale('xx-xx').fetch())
    assert.equal(unknown.status, 422)
    const masterLocale = await stack.locale(master).fetch()
    const deleteMaster = await h.rejection(masterLocale.delete())
    assert.equal(deleteMaster.status, 422)
    const badFallback = await h.rejection(stack.locale().create({ locale: { name: 'Bad Fallback', code: 'es-mx', fallback_locale: 'nonexistent-locale' } }))
    assert.equal(badFallback.status, 422)
  })

  it('delete a locale: the notice, then it is gone', async () => {
    await stack.locale().create({ locale: { name: 'Portuguese - Brazil', code: 'pt-br', fallback_locale: master } })
    const res = await (await stack.locale('pt-br').fetch()).delete()
    assert.equal(res.notice, 'Language removed successfully.')
    const err = await h.rejection(stack.locale('pt-br').fetch())
    assert.equal(err.status, 422)
  })
})

describe('delivery and preview tokens (the SDK\'s token and preview token suites)', () => {
  const scope = [{ module: 'environment', environments: ['development'], acl: { read: true } }, BRANCH_SCOPE]
  let uid

  it('create: the value, the scope with the environment expanded and the branch', async () => {
    const made = await stack.deliveryToken().create({ token: { name: 'Delivery Token 1', description: 'for development', scope } })
    uid = made.uid
    assert.match(made.token, /^cs[0-9a-f]{24}$/)
    assert.equal(made.scope.find((s) => s.module === 'environment').environments[0].name, 'development')
    assert.deepEqual(made.scope.find((s) => s.module === 'branch').branches, ['main'])
  })

  it('query, limit, and update the name with the scope as names', async () => {
    const { items } = await stack.deliveryToken().query().find()
    const token = items.find((t) => t.uid === uid)
    assert.ok(token)
    token.name = 'Updated Delivery Token'
    token.scope = token.scope.map((s) => s.module === 'environment'
      ? { module: 'environment', environments: s.environments.map((e) => e.name), acl: s.acl }
      : s)
    assert.equal((await token.update()).name, 'Updated Delivery Token')
    const limited = await stack.deliveryToken().query({ limit: 2 }).find()
    assert.ok(limited.items.length <= 2)
  })

  it('refused: no name, no branch scope (errors["scope.branch_or_alias"])', async () => {
    const noName = await h.rejection(stack.deliveryToken().create({ token: { scope } }))
    assert.equal(noName.status, 422)
    const noBranch = await h.rejection(stack.deliveryToken().create({ token: { name: 'No Branch Token', scope: [{ module: 'environment', environments: [], acl: { read: true } }] } }))
    assert.equal(noBranch.status, 422)
    assert.ok('scope.branch_or_alias' in noBranch.errors, JSON.stringify(noBranch.errors))
  })

  it('a preview token: made from the delivery token, listed, taken away', async () => {
    const made = await stack.deliveryToken(uid).previewToken().create()
    const preview = made.preview_token || (made.token && made.token.preview_token)
    assert.match(preview, /^cs[0-9a-f]{24}$/)
    const { items } = await stack.deliveryToken().query().find()
    assert.equal(items.find((t) => t.uid === uid).preview_token, preview)
    const res = await stack.deliveryToken(uid).previewToken().delete()
    assert.equal(res.notice, 'Preview token deleted successfully.')
    const again = await h.rejection(stack.deliveryToken(uid).previewToken().delete())
    assert.equal(again.status, 422)
  })

  it('delete: the notice, then it is not found', async () => {
    const token = await stack.deliveryToken(uid).fetch()
    assert.equal((await token.delete()).notice, 'Delivery Token deleted successfully.')
    const err = await h.rejection(stack.deliveryToken(uid).fetch())
    assert.equal(err.status, 422)
  })
})

describe('management tokens (the SDK\'s token suite)', () => {
  const scope = [
    { module: 'content_type', acl: { read: true, write: true } },
    { module: 'entry', acl: { read: true, write: true } },
    { module: 'asset', acl: { read: true, write: true } },
    BRANCH_SCOPE
  ]
  let made

  it('create: the value once, the scope and the expiry', async () => {
    const expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString()
    made = await stack.managementToken().create({ token: { name: 'Management Token 1', description: 'for integrations', scope, expires_on: expires } })
    assert.equal(typeof made.uid, 'string')
    assert.match(made.token, /^cs[0-9a-f]{32}$/)
    assert.equal(made.expires_on, expires)
    const { items } = await stack.managementToken().query().find()
    const listed = items.find((t) => t.uid === made.uid)
    assert.ok(listed.scope.some((s) => s.acl && s.acl.write === true))
    assert.equal(listed.token, undefined, 'the value is shown once')
  })

  it('update the name with the whole fetched object', async () => {
    const { items } = await stack.managementToken().query().find()
    const token = items.find((t) => t.uid === made.uid)
    token.name = 'Updated Mgmt Token'
    assert.equal((await token.update()).name, 'Updated Mgmt Token')
  })

  it('refused: no branch scope', async () => {
    const err = await h.rejection(stack.managementToken().create({ token: { name: 'No Branch Mgmt Token', scope: [{ module: 'content_type', acl: { read: true, write: false } }] } }))
    assert.equal(err.status, 422)
    assert.ok('scope.branch_or_alias' in err.errors, JSON.stringify(err.errors))
  })

  it('the token works as the stack\'s management token, within its asset scope', async () => {
    const fx = h.fixtures()
    try {
      const { stack: asToken } = h.connect(server.port, { apiKey, token: made.token })
      const asset = await asToken.asset().create({ upload: fx.hello, title: 'By a management token' })
      assert.equal(asset.title, 'By a management token')
      const readOnly = await stack.managementToken().create({ token: { name: 'Reader', scope: [{ module: 'asset', acl: { read: true } }, BRANCH_SCOPE] } })
      const { stack: asReader } = h.connect(server.port, { apiKey, token: readOnly.token })
      const { items } = await asReader.asset().query().find()
      assert.ok(items.some((a) => a.uid === asset.uid))
      const err = await h.rejection(asReader.asset().create({ upload: fx.hello }))
      assert.equal(err.status, 403)
      assert.equal(err.errorCode, 161)
    } finally {
      fx.cleanup()
    }
  })

  it('delete: the notice; the token stops working', async () => {
    const { items } = await stack.managementToken().query().find()
    const token = items.find((t) => t.uid === made.uid)
    assert.equal((await token.delete()).notice, 'Management Token deleted successfully.')
    const { stack: asToken } = h.connect(server.port, { apiKey, token: made.token })
    const err = await h.rejection(asToken.asset().query().find())
    assert.equal(err.status, 401)
  })
})
