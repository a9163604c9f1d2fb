'use strict'
// The Trash's selection: checkboxes and Select all, a floating panel that restores or
// deletes for good what is ticked in one action; the order (newest or oldest first);
// columns that keep names and dates whole; no "without assets" for an empty folder.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('the trash selection', () => {
  it('restores 3 of 5 in one action, then deletes the other 2 for good', () =>
    H.withUi(browser, { name: 'trash-selection' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Trash selection')
      const names = ['brochure.pdf', 'archive.zip', 'notes.txt', 'photo.png', 'song.mp3']
      const assets = []
      for (const filename of names) {
        const asset = await H.uploadAsset(server, stack, { filename, bytes: Buffer.from(filename), type: 'application/octet-stream' })
        await H.ok(H.api(server, 'DELETE', `/v3/assets/${asset.uid}`, { stack }))
        await H.ok(H.api(server, 'POST', `/_mock/stacks/${stack.api_key}/clock/advance`, { json: { minutes: 1 } }))
        assets.push(asset)
      }
      const empty = await H.createFolder(server, stack, 'Empty box')
      await H.ok(H.api(server, 'DELETE', `/v3/assets/folders/${empty.uid}`, { stack }))

      await page.goto(H.uiUrl(stack, '/trash'))
      const rows = page.locator('table.trash tbody').getByRole('row')
      await H.hasCount(rows, 6)
      // A folder with nothing inside has no "without assets" choice.
      const box = rows.filter({ hasText: 'Empty box' })
      await H.hasText(box, '0 items inside')
      assert.equal(await box.getByRole('button', { name: 'Restore without assets' }).count(), 0)

      // Names and dates stay whole on a wide screen: one line each.
      for (const name of ['brochure.pdf', 'archive.zip']) {
        const label = rows.filter({ hasText: name }).locator('.label')
        const lines = await label.evaluate((el) => {
          const range = document.createRange()
          range.selectNodeContents(el.firstChild)
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
        })
        assert.equal(lines, 1, `${name} is on one line`)
      }
      const dateLines = await rows.first().locator('td.when time').evaluate((el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size)
      assert.equal(dateLines, 1, 'the date is on one line')
      // Every button of a folder's row on one line.
      const tops = await box.getByRole('button').evaluateAll((buttons) => new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top))).size)
      assert.equal(tops, 1, 'the row\'s buttons do not wrap')
      await H.screenshot(page, 'trash-selection-before')

      const panel = page.getByRole('region', { name: 'Trash selection' })
      assert.equal(await panel.count(), 0)
      for (const name of ['brochure.pdf', 'notes.txt', 'song.mp3']) {
        await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check()
      }
      await H.hasText(panel, '3 selected')
      await H.screenshot(page, 'trash-selection')
      const restores = []
      page.on('request', (req) => { if (req.url().endsWith('/restore')) restores.push(req.url()) })
      await panel.getByRole('button', { name: 'Restore', exact: true }).click()
      await H.hasText(page.getByRole('status'), '3 items were restored.')
      await H.hasCount(rows, 3)
      await panel.waitFor({ state: 'hidden' })
      assert.equal(restores.length, 3)
      const live = await H.ok(H.api(server, 'GET', '/v3/assets', { stack }))
      assert.deepEqual(live.assets.map((a) => a.filename).sort(), ['brochure.pdf', 'notes.txt', 'song.mp3'])

      // Select all, then untick the folder: the two assets go for good, after a confirmation.
      await page.getByRole('checkbox', { name: 'Select all', exact: true }).check()
      await H.hasText(panel, '3 selected')
      await page.getByRole('checkbox', { name: 'Select Empty box', exact: true }).uncheck()
      await H.hasText(panel, '2 selected')
      assert.equal(await page.getByRole('checkbox', { name: 'Select all', exact: true }).evaluate((el) => el.indeterminate), true)
      await panel.getByRole('button', { name: 'Delete permanently', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await H.hasText(dialog, '“photo.png” and “archive.zip” are deleted for good')
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
      await H.hasText(panel, '2 selected')
      await panel.getByRole('button', { name: 'Delete permanently', exact: true }).click()
      await dialog.getByRole('button', { name: 'Delete permanently', exact: true }).click()
      await H.hasText(page.getByRole('status'), '2 items were deleted permanently.')
      await H.hasCount(rows, 1)
      assert.deepEqual((await H.trashItems(server, stack)).map((i) => i.uid), [empty.uid])
    }))

  it('sorts by deleted date or purge time, newest or oldest first', () =>
    H.withUi(browser, { name: 'trash-order' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Trash order')
      for (const filename of ['first.txt', 'second.txt', 'third.txt']) {
        const asset = await H.uploadAsset(server, stack, { filename, bytes: Buffer.from(filename), type: 'text/plain' })
        await H.ok(H.api(server, 'DELETE', `/v3/assets/${asset.uid}`, { stack }))
        await H.ok(H.api(server, 'POST', `/_mock/stacks/${stack.api_key}/clock/advance`, { json: { hours: 1 } }))
      }
      await page.goto(H.uiUrl(stack, '/trash'))
      const rows = page.locator('table.trash tbody').getByRole('row')
      const order = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('.label').firstChild.textContent))
      await H.hasCount(rows, 3)
      assert.deepEqual(await order(), ['third.txt', 'second.txt', 'first.txt'])
      const deleted = page.getByRole('columnheader', { name: 'Deleted (UTC)' })
      assert.equal(await deleted.getAttribute('aria-sort'), 'descending')

      // The first deleted is the first purged: soonest purge first is oldest first.
      await page.getByRole('columnheader', { name: 'Purge' }).getByRole('button').click()
      await H.eventually(async () => assert.deepEqual(await order(), ['first.txt', 'second.txt', 'third.txt']))
      assert.equal(await page.getByRole('columnheader', { name: 'Purge' }).getAttribute('aria-sort'), 'ascending')
      await deleted.getByRole('button').click()
      await H.eventually(async () => assert.deepEqual(await order(), ['third.txt', 'second.txt', 'first.txt']))
    }))
})
