'use strict'
// The flow the UI exists for: tick some assets, Delete in the floating panel, confirm,
// and they are in the trash, restorable until the retention ends.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

const COLOURS = [[91, 69, 214], [230, 120, 60], [40, 160, 140], [220, 60, 110], [60, 130, 230]]

describe('the seed flow', () => {
  it('ticks 3 of 5, deletes them with one bulk call, restores one, and 15 days later the trash is empty', () =>
    H.withUi(browser, { name: 'seed-flow' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Seed flow')
      const assets = []
      for (let i = 1; i <= 5; i++) {
        const bytes = H.gradientPng(48, 48, COLOURS[i - 1], [255, 255, 255])
        assets.push(await H.uploadAsset(server, stack, { filename: `photo-${i}.png`, title: `Photo ${i}`, bytes }))
      }
      const bulkCalls = []
      page.on('request', (req) => {
        if (new URL(req.url()).pathname === '/v3/bulk/delete') bulkCalls.push(JSON.parse(req.postData()))
      })

      await page.goto('/ui/')
      const picker = page.getByRole('combobox', { name: 'Stack' })
      await H.hasText(picker.locator('option', { hasText: 'Seed flow' }), stack.api_key)
      await picker.selectOption(stack.api_key)
      const rows = page.getByRole('row').filter({ hasText: /Photo \d/ })
      await H.hasCount(rows, 5)
      for (const row of await rows.all()) {
        assert.match(await row.innerText(), /PNG image\s+\d+ B\s+\d{4}-\d\d-\d\d \d\d:\d\d/)
      }
      // Thumbnails load from this origin, through the Image Delivery API: 48 px photos
      // come back as 80 px squares.
      await H.eventually(async () => assert.equal(await page.locator('td.thumb img').evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth === 80 && i.naturalHeight === 80).length), 5))

      const panel = page.getByRole('region', { name: 'Selection' })
      assert.equal(await panel.count(), 0, 'no panel before anything is ticked')
      for (const n of [1, 3, 4]) {
        await page.getByRole('checkbox', { name: `Select Photo ${n}`, exact: true }).check()
        if (n === 1) await H.hasText(panel, '1 selected')
      }
      await H.hasText(panel, '3 selected')
      await H.screenshot(page, 'assets-selection-panel')

      await panel.getByRole('button', { name: 'Delete', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await dialog.waitFor()
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).waitFor()
      assert.equal(bulkCalls.length, 0, 'nothing is sent before the confirmation')
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click()

      const status = page.getByRole('status')
      await H.hasText(status, 'moved to the trash')
      assert.equal(await status.innerText(), '3 assets were moved to the trash. They can be restored within 14 days.')
      await H.hasCount(rows, 2)
      await panel.waitFor({ state: 'hidden' })
      assert.equal(bulkCalls.length, 1, 'one bulk delete')
      const deleted = [assets[0], assets[2], assets[3]].map((a) => a.uid).sort()
      assert.deepEqual(bulkCalls[0].assets.map((a) => a.uid).sort(), deleted)

      // The API sees them in the trash and no longer in the list.
      const trash = await H.trashItems(server, stack)
      assert.deepEqual(trash.map((i) => i.uid).sort(), deleted)
      assert.ok(trash.every((i) => i.type === 'asset' && i.restorable))
      const live = await H.ok(H.api(server, 'GET', '/v3/assets', { stack }))
      assert.deepEqual(live.assets.map((a) => a.title), ['Photo 5', 'Photo 2'])

      // The trash: who, when, how long is left.
      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      const trashRows = page.getByRole('row').filter({ hasText: /Photo \d/ })
      await H.hasCount(trashRows, 3)
      for (const row of await trashRows.all()) {
        const text = await row.innerText()
        assert.ok(text.includes('Local Developer'), `who, by name: ${text}`)
        assert.ok(!text.includes(stack.user_uid), `not by id: ${text}`)
        assert.match(text, /\d{4}-\d\d-\d\d \d\d:\d\d/)
        assert.ok(text.includes('14 days left'), `time left: ${text}`)
      }
      await H.screenshot(page, 'trash')

      await trashRows.filter({ hasText: 'Photo 3' }).getByRole('button', { name: 'Restore', exact: true }).click()
      await H.hasText(status, 'Asset restored successfully.')
      await H.hasCount(trashRows, 2)
      const restored = await H.ok(H.api(server, 'GET', `/v3/assets/${assets[2].uid}`, { stack }))
      assert.equal(restored.asset._version, 2)

      // Fifteen days later the purge has emptied the trash.
      const clockNow = page.getByTestId('clock-now')
      const before = await H.eventually(async () => {
        const at = Date.parse(await clockNow.getAttribute('datetime'))
        assert.ok(at > 0, 'the clock has loaded')
        return at
      })
      await page.getByRole('spinbutton', { name: 'Days' }).fill('15')
      await page.getByRole('button', { name: 'Advance clock' }).click()
      await page.getByText('The trash is empty.').waitFor()
      await H.hasCount(trashRows, 0)
      await H.hasText(status, '2 trash items were purged.')
      const after = Date.parse(await clockNow.getAttribute('datetime'))
      assert.ok(after - before >= 15 * 86400000 - 60000, `the clock moved by ${after - before} ms`)
      assert.ok((await clockNow.innerText()).startsWith(new Date(after).toISOString().slice(0, 10)))
      assert.deepEqual(await H.trashItems(server, stack), [])
      const clock = await H.ok(H.api(server, 'GET', `/_mock/stacks/${stack.api_key}/clock`))
      assert.ok(clock.offset_seconds >= 15 * 86400 - 60)
    }))
})
