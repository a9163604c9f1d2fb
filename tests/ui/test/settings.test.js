'use strict'
// The Settings screen: environments (create, rename, delete), locales (with a fallback),
// delivery tokens (create with a scope, the token and a delivery SDK snippet whose values
// fetch a published asset), and the management token with its snippet.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

/** The string value of `key: '...'` (or a number for `key: 8484`) in a snippet. */
function valueOf (snippet, key) {
  const m = new RegExp(`\\b${key}: (?:'([^']*)'|(\\d+))`).exec(snippet)
  assert.ok(m, `${key} in ${snippet}`)
  return m[1] ?? Number(m[2])
}

describe('settings', () => {
  it('creates, renames and deletes environments; adds a locale with its fallback', () =>
    H.withUi(browser, { name: 'settings-environments' }, async ({ server, page, guard }) => {
      const stack = await H.createStack(server, 'Settings')
      await page.goto(H.uiUrl(stack))
      await page.getByRole('link', { name: 'Settings', exact: true }).click()
      for (const name of ['Environments', 'Locales', 'Delivery tokens']) await page.getByRole('heading', { name, exact: true }).waitFor()
      const envTable = page.getByRole('table', { name: 'Environments' })
      await H.hasCount(envTable.getByRole('row').filter({ hasText: 'development' }), 1)
      const status = page.getByRole('status')

      await page.getByRole('button', { name: 'New environment', exact: true }).click()
      let dialog = page.getByRole('dialog')
      await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('staging')
      await dialog.getByRole('textbox', { name: 'URL' }).fill('https://staging.example.com')
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      await H.hasText(status, 'Environment created successfully.')
      await H.hasText(envTable.getByRole('row').filter({ hasText: 'staging' }), 'https://staging.example.com')

      // A name the API refuses: its words, in the dialog, which stays open.
      guard.expectHttpError(422, '/v3/environments')
      await page.getByRole('button', { name: 'New environment', exact: true }).click()
      await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('staging')
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      await H.hasText(dialog.getByRole('alert'), 'An environment named \'staging\' already exists.')
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()

      await page.getByRole('button', { name: 'Rename staging', exact: true }).click()
      dialog = page.getByRole('dialog')
      await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('preview')
      await dialog.getByRole('button', { name: 'Save', exact: true }).click()
      await H.hasText(status, 'The environment “staging” is now “preview”.')
      await H.hasCount(envTable.getByRole('row').filter({ hasText: 'preview' }), 1)
      let envs = (await H.ok(H.api(server, 'GET', '/v3/environments', { stack }))).environments.map((e) => e.name).sort()
      assert.deepEqual(envs, ['development', 'preview'])

      await page.getByRole('button', { name: 'Delete preview', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(status, 'The environment “preview” was deleted.')
      await H.hasCount(envTable.getByRole('row').filter({ hasText: 'preview' }), 0)
      envs = (await H.ok(H.api(server, 'GET', '/v3/environments', { stack }))).environments.map((e) => e.name)
      assert.deepEqual(envs, ['development'])

      // Locales: fr-ca falls back to fr-fr, which falls back to the master.
      for (const [code, name, fallback] of [['fr-fr', 'French - France', 'en-us'], ['fr-ca', 'French - Canada', 'fr-fr']]) {
        await page.getByRole('button', { name: 'New locale', exact: true }).click()
        dialog = page.getByRole('dialog')
        await dialog.getByRole('textbox', { name: 'Code' }).fill(code)
        await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name)
        await dialog.getByRole('combobox', { name: 'Fallback' }).selectOption(fallback)
        await dialog.getByRole('button', { name: 'Create', exact: true }).click()
        await H.hasText(status, `${code} falls back to ${fallback}.`)
      }
      const locales = page.getByRole('table', { name: 'Locales' })
      await H.hasText(locales.getByRole('row').filter({ hasText: 'fr-ca' }), 'fr-fr')
      const stored = (await H.ok(H.api(server, 'GET', '/v3/locales', { stack }))).locales
      assert.equal(stored.find((l) => l.code === 'fr-ca').fallback_locale, 'fr-fr')
      await H.screenshot(page, 'settings')
    }))

  it('makes a delivery token whose snippet fetches a published asset; shows the management token', () =>
    H.withUi(browser, { name: 'settings-tokens' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Tokens')
      await H.ok(H.api(server, 'POST', '/v3/environments', { stack, json: { environment: { name: 'production' } } }))
      const asset = await H.uploadAsset(server, stack, { filename: 'site.png', title: 'Site image' })
      await H.ok(H.api(server, 'POST', `/v3/assets/${asset.uid}/publish`, { stack, json: { asset: { environments: ['production'], locales: ['en-us'] } } }), 201)
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])

      await page.goto(H.uiUrl(stack, '/settings'))
      await page.getByText('No delivery tokens yet.').waitFor()
      await page.getByRole('button', { name: 'New delivery token', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Website')
      await dialog.getByRole('checkbox', { name: 'production', exact: true }).check()
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'Delivery Token created successfully.')

      const value = page.getByTestId('token-value')
      await H.eventually(async () => assert.match(await value.innerText(), /^cs[0-9a-f]{24}$/))
      const token = await value.innerText()
      const stored = (await H.ok(H.api(server, 'GET', '/v3/stacks/delivery_tokens', { stack }))).tokens
      assert.deepEqual(stored.map((t) => [t.name, t.token, t.scope[0].environments.map((e) => e.name)]), [['Website', token, ['production']]])

      await page.getByRole('button', { name: 'Copy the token', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'Copied to the clipboard.')
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token)

      // The snippet's values, as pasted into a site, fetch the published asset.
      const snippet = await page.getByLabel('delivery snippet', { exact: true }).innerText()
      assert.match(snippet, /import contentstack from '@contentstack\/delivery-sdk'/)
      const apiKey = valueOf(snippet, 'apiKey')
      const deliveryToken = valueOf(snippet, 'deliveryToken')
      const environment = valueOf(snippet, 'environment')
      const host = valueOf(snippet, 'host')
      const port = valueOf(snippet, 'port')
      assert.deepEqual([apiKey, deliveryToken, environment], [stack.api_key, token, 'production'])
      assert.match(snippet, /insecure: true/)
      const site = await H.cda(`http://${host}:${port}`, apiKey, deliveryToken, `/v3/assets/${asset.uid}?environment=${environment}`)
      assert.equal(site.status, 200, JSON.stringify(site.data))
      assert.equal(site.data.asset.title, 'Site image')
      await H.screenshot(page, 'settings-token')

      // The management token, and its snippet for the management SDK.
      await page.getByRole('heading', { name: 'Management token' }).waitFor()
      const management = await page.getByLabel('management snippet', { exact: true }).innerText()
      assert.equal(valueOf(management, 'management_token'), stack.management_token)
      assert.equal(valueOf(management, 'api_key'), stack.api_key)
      const cma = await H.api(server, 'GET', '/v3/assets', { stack: { api_key: valueOf(management, 'api_key'), management_token: valueOf(management, 'management_token') } })
      assert.equal(cma.status, 200)
    }))
})
