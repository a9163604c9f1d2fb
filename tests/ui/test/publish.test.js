'use strict'
// Publishing from the UI: an asset to a chosen environment and locale (then seen through
// the Content Delivery API), scheduled on the stack clock, unpublished; and 100 assets
// from the selection panel in one bulk request, the 101st refused.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('publishing', () => {
  it('publishes an asset to an environment, seen through the delivery API; schedules; unpublishes', () =>
    H.withUi(browser, { name: 'publish' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Publish')
      const production = (await H.ok(H.api(server, 'POST', '/v3/environments', { stack, json: { environment: { name: 'production' } } }))).environment
      await H.ok(H.api(server, 'POST', '/v3/locales', { stack, json: { locale: { code: 'fr-fr', name: 'French - France' } } }))
      const asset = await H.uploadAsset(server, stack, { filename: 'hero.png', title: 'Hero' })
      const other = await H.uploadAsset(server, stack, { filename: 'later.png', title: 'Later' })
      const token = await H.deliveryToken(server, stack, ['production'])
      const delivered = (uid) => H.cda(server.base, stack.api_key, token, `/v3/assets/${uid}?environment=production`)
      assert.equal((await delivered(asset.uid)).status, 404)

      await page.goto(H.uiUrl(stack, `/asset/${asset.uid}`))
      await page.getByText('Not published').waitFor()
      await page.getByRole('button', { name: 'Publish', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByRole('checkbox', { name: 'production', exact: true }).check()
      assert.equal(await dialog.getByRole('checkbox', { name: 'development', exact: true }).isChecked(), false)
      // The master locale is ticked to begin with; the others are named by code.
      assert.equal(await dialog.getByRole('checkbox', { name: 'en-us', exact: true }).isChecked(), true)
      assert.equal(await dialog.getByRole('checkbox', { name: 'fr-fr', exact: true }).isChecked(), false)
      await dialog.getByRole('textbox', { name: 'Schedule' }).waitFor()
      await H.screenshot(page, 'publish-dialog')
      await dialog.getByRole('button', { name: 'Publish', exact: true }).click()
      await H.hasText(page.getByRole('status'), '“Hero” was published to production (en-us).')

      // The publish table names the environment; the id stays out of sight.
      const table = page.getByRole('table', { name: 'Publish status' })
      await H.hasCount(table.getByRole('row'), 2)
      const published = await table.getByRole('row').nth(1).innerText()
      assert.match(published, /^production\s+en-us\s+1\s/)
      assert.ok(!published.includes(production.uid), published)
      assert.ok(published.includes('Local Developer'), published)
      const seen = await delivered(asset.uid)
      assert.equal(seen.status, 200, JSON.stringify(seen.data))
      assert.equal(seen.data.asset.uid, asset.uid)

      // Scheduled two days ahead on the stack clock: nothing until the clock gets there.
      await page.goto(H.uiUrl(stack, `/asset/${other.uid}`))
      await page.getByText('Not published').waitFor()
      const clock = await H.ok(H.api(server, 'GET', `/_mock/stacks/${stack.api_key}/clock`))
      const at = new Date(Date.parse(clock.now) + 2 * 86400000).toISOString().slice(0, 16)
      await page.getByRole('button', { name: 'Publish', exact: true }).click()
      await dialog.getByRole('checkbox', { name: 'production', exact: true }).check()
      await dialog.getByRole('checkbox', { name: 'fr-fr', exact: true }).check()
      await dialog.getByRole('textbox', { name: 'Schedule' }).fill(at)
      await dialog.getByRole('button', { name: 'Publish', exact: true }).click()
      await H.hasText(page.getByRole('status'), `“Later” will be published to production (en-us, fr-fr) at ${at.replace('T', ' ')} UTC on the stack clock.`)
      await H.hasText(page.getByRole('list', { name: 'Scheduled' }), 'Publish to production (en-us, fr-fr) at')
      assert.equal((await delivered(other.uid)).status, 404)
      await page.getByRole('spinbutton', { name: 'Days' }).fill('3')
      await page.getByRole('button', { name: 'Advance clock' }).click()
      await H.hasText(page.getByRole('status'), '1 scheduled publish ran.')
      await H.hasCount(table.getByRole('row'), 3)
      assert.equal((await delivered(other.uid)).status, 200)

      // Unpublish from production, every locale.
      await page.getByRole('button', { name: 'Unpublish', exact: true }).click()
      await dialog.getByRole('checkbox', { name: 'production', exact: true }).check()
      await dialog.getByRole('checkbox', { name: 'fr-fr', exact: true }).check()
      await dialog.getByRole('button', { name: 'Unpublish', exact: true }).click()
      await H.hasText(page.getByRole('status'), '“Later” was unpublished from production (en-us, fr-fr).')
      await page.getByText('Not published').waitFor()
      assert.equal((await delivered(other.uid)).status, 404)
    }))

  it('publishes 100 selected assets with one bulk request; the 101st is refused', () =>
    H.withUi(browser, { name: 'bulk-publish' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Bulk publish')
      const folder = await H.createFolder(server, stack, 'Launch')
      await H.uploadMany(server, stack, 101, { prefix: 'launch', parentUid: folder.uid })
      const bulk = []
      page.on('request', (req) => {
        const path = new URL(req.url()).pathname
        if (path.startsWith('/v3/bulk/') || /\/publish$/.test(path)) bulk.push([path, JSON.parse(req.postData())])
      })
      await page.goto(H.uiUrl(stack, `/assets/${folder.uid}`))
      const rows = page.getByRole('row').filter({ hasText: /launch-\d{3}\.txt/ })
      await H.hasCount(rows, 101)

      const panel = page.getByRole('region', { name: 'Selection' })
      await page.getByRole('checkbox', { name: 'Select all', exact: true }).check()
      await H.hasText(panel, '100 selected')
      const spare = page.getByRole('checkbox', { name: /^Select launch-/, checked: false })
      await H.hasCount(spare, 1)
      await spare.click()
      assert.equal(await spare.isChecked(), false)
      await H.hasText(panel, 'up to 100')

      await panel.getByRole('button', { name: 'Publish', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await H.hasText(dialog, 'and 97 more')
      await dialog.getByRole('checkbox', { name: 'development', exact: true }).check()
      await dialog.getByRole('button', { name: 'Publish', exact: true }).click()
      await H.hasText(page.getByRole('status'), '100 assets were published to development (en-us).')
      assert.equal(bulk.length, 1, 'one bulk request')
      assert.equal(bulk[0][0], '/v3/bulk/publish')
      assert.equal(new Set(bulk[0][1].assets.map((a) => a.uid)).size, 100)
      assert.deepEqual([bulk[0][1].environments, bulk[0][1].locales], [['development'], ['en-us']])

      const token = await H.deliveryToken(server, stack)
      const site = await H.cda(server.base, stack.api_key, token, '/v3/assets?environment=development&include_count=true')
      assert.equal(site.status, 200)
      assert.equal(site.data.count, 100)
    }))
})
