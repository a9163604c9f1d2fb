'use strict'
// At most 100 assets can be selected (Contentstack: "You can select and delete up to 100
// assets at a time"), as one bulk delete takes at most 100.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('the 100 cap', () => {
  it('select all in a folder of 120 assets selects 100, refuses the 101st and deletes 100 in one call', () =>
    H.withUi(browser, { name: 'cap' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Cap')
      const folder = await H.createFolder(server, stack, 'Bulk')
      await H.uploadMany(server, stack, 120, { prefix: 'bulk', parentUid: folder.uid })
      const listCalls = []
      const bulkCalls = []
      page.on('request', (req) => {
        const url = new URL(req.url())
        if (url.pathname === '/v3/assets' && req.method() === 'GET') listCalls.push(url.searchParams)
        if (url.pathname === '/v3/bulk/delete') bulkCalls.push(JSON.parse(req.postData()))
      })

      await page.goto(H.uiUrl(stack))
      await page.getByRole('link', { name: 'Bulk', exact: true }).click()
      const rows = page.getByRole('row').filter({ hasText: /bulk-\d{3}\.txt/ })
      await H.hasCount(rows, 120)
      // One page shows up to 250 rows, fetched in calls of at most 100.
      const inFolder = listCalls.filter((p) => p.get('folder') === folder.uid && !p.get('query'))
      assert.ok(inFolder.length >= 2, `${inFolder.length} calls`)
      assert.ok(listCalls.every((p) => Number(p.get('limit') || 100) <= 100), 'no call asks for more than 100')
      assert.deepEqual(inFolder.map((p) => Number(p.get('skip'))).sort((a, b) => a - b).slice(0, 2), [0, 100])

      const panel = page.getByRole('region', { name: 'Selection' })
      const ticked = page.getByRole('checkbox', { name: /^Select bulk-/, checked: true })
      await page.getByRole('checkbox', { name: 'Select all', exact: true }).check()
      await H.hasText(panel, '100 selected')
      await H.hasText(panel, 'up to 100')
      assert.match(await panel.innerText(), /You can select and delete up to 100 assets at a time\./)
      await H.hasCount(ticked, 100)

      // The 101st is refused.
      const spare = page.getByRole('checkbox', { name: /^Select bulk-/, checked: false }).first()
      await spare.click()
      assert.equal(await spare.isChecked(), false)
      await H.hasCount(ticked, 100)
      await H.hasText(panel, 'up to 100')

      // Below the cap the message goes; at it again, it comes back with the next refusal.
      const one = ticked.first()
      const oneName = await one.getAttribute('aria-label')
      await one.uncheck()
      await H.hasText(panel, '99 selected')
      assert.ok(!(await panel.innerText()).includes('up to 100'))
      await page.getByRole('checkbox', { name: oneName, exact: true }).check()
      await H.hasText(panel, '100 selected')

      await panel.getByRole('button', { name: 'Delete', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(page.getByRole('status'), '100 assets were moved to the trash.')
      await H.hasCount(rows, 20)
      assert.equal(bulkCalls.length, 1)
      assert.equal(new Set(bulkCalls[0].assets.map((a) => a.uid)).size, 100)
      const left = await H.ok(H.api(server, 'GET', `/v3/assets?folder=${folder.uid}&include_count=true`, { stack }))
      assert.equal(left.count, 20)
      assert.equal((await H.trashItems(server, stack)).length, 100)
    }))
})
