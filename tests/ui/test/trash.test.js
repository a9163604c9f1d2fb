'use strict'
// The Trash screen: folder restores with and without their assets, an asset whose folder
// is itself in the trash, delete permanently, empty trash, newest first, time left.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('the trash', () => {
  it('restores a folder without its assets, and another with them', () =>
    H.withUi(browser, { name: 'folder-restore' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Folder restore')
      const album = await H.createFolder(server, stack, 'Album')
      const a1 = await H.uploadAsset(server, stack, { filename: 'a1.png', parentUid: album.uid })
      const a2 = await H.uploadAsset(server, stack, { filename: 'a2.png', parentUid: album.uid })
      const archive = await H.createFolder(server, stack, 'Archive')
      await H.uploadAsset(server, stack, { filename: 'b1.png', parentUid: archive.uid })
      await H.uploadAsset(server, stack, { filename: 'b2.png', parentUid: archive.uid })
      await H.ok(H.api(server, 'DELETE', `/v3/assets/folders/${album.uid}`, { stack }))
      await H.ok(H.api(server, 'DELETE', `/v3/assets/folders/${archive.uid}`, { stack }))

      await page.goto(H.uiUrl(stack, '/trash'))
      const row = (text) => page.getByRole('row').filter({ hasText: text })
      await H.hasText(row('Album'), '2 items inside')
      await H.hasText(row('Archive'), '2 items inside')
      assert.equal(await row('Album').getByRole('button', { name: 'Restore without assets', exact: true }).count(), 1)

      await row('Album').getByRole('button', { name: 'Restore without assets', exact: true }).click()
      const status = page.getByRole('status')
      await H.hasText(status, 'Folder restored successfully.')
      // The folder is back, empty; its assets wait in the trash as items of their own.
      await H.hasCount(row('Album'), 0)
      await H.hasCount(row(/a[12]\.png/), 2)
      assert.equal(await row('a1.png').getByRole('button', { name: 'Restore without assets' }).count(), 0, 'assets have no such button')
      const empty = await H.ok(H.api(server, 'GET', `/v3/assets?folder=${album.uid}&include_count=true`, { stack }))
      assert.equal(empty.count, 0)
      let trash = await H.trashItems(server, stack)
      assert.deepEqual(trash.filter((i) => i.type === 'asset').map((i) => i.uid).sort(), [a1.uid, a2.uid].sort())

      await row('Archive').getByRole('button', { name: 'Restore', exact: true }).click()
      await H.hasText(status, 'with its contents')
      await H.hasCount(row('Archive'), 0)
      const full = await H.ok(H.api(server, 'GET', `/v3/assets?folder=${archive.uid}&include_count=true`, { stack }))
      assert.equal(full.count, 2)

      // With its folder back, an asset restores into it.
      await row('a1.png').getByRole('button', { name: 'Restore', exact: true }).click()
      await H.hasText(status, 'Asset restored successfully.')
      await H.hasCount(row(/a[12]\.png/), 1)
      const back = await H.ok(H.api(server, 'GET', `/v3/assets/${a1.uid}`, { stack }))
      assert.equal(back.asset.parent_uid, album.uid)
      trash = await H.trashItems(server, stack)
      assert.deepEqual(trash.map((i) => i.uid), [a2.uid])

      // And the Assets screen shows the folder with it.
      await page.getByRole('link', { name: 'Assets', exact: true }).click()
      await page.getByRole('link', { name: 'Album', exact: true }).click()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'a1.png' }), 1)
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Album')
    }))

  it('explains that a folder must be restored first; deletes for good; counts days; empties', () =>
    H.withUi(browser, { name: 'trash-actions' }, async ({ server, page, guard }) => {
      const stack = await H.createStack(server, 'Trash actions')
      const box = await H.createFolder(server, stack, 'Box')
      const c1 = await H.uploadAsset(server, stack, { filename: 'c1.png', parentUid: box.uid })
      await H.uploadAsset(server, stack, { filename: 'c2.png', parentUid: box.uid })
      const loose = await H.uploadAsset(server, stack, { filename: 'loose.txt', bytes: Buffer.from('x'), type: 'text/plain' })
      await H.ok(H.api(server, 'DELETE', `/v3/assets/${loose.uid}`, { stack }))
      await H.ok(H.api(server, 'POST', `/_mock/stacks/${stack.api_key}/clock/advance`, { json: { hours: 1 } }))
      await H.ok(H.api(server, 'DELETE', `/v3/assets/${c1.uid}`, { stack }))
      await H.ok(H.api(server, 'POST', `/_mock/stacks/${stack.api_key}/clock/advance`, { json: { hours: 1 } }))
      await H.ok(H.api(server, 'DELETE', `/v3/assets/folders/${box.uid}`, { stack }))

      await page.goto(H.uiUrl(stack, '/trash'))
      const rows = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Delete permanently' }) })
      await H.hasCount(rows, 3)
      // Newest first.
      const order = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('.label').firstChild.textContent))
      assert.deepEqual(order, ['Box', 'c1.png', 'loose.txt'])
      await H.hasText(rows.nth(0), '1 item inside')

      guard.expectHttpError(409, `/_mock/stacks/${stack.api_key}/trash/${c1.uid}/restore`)
      await rows.filter({ hasText: 'c1.png' }).getByRole('button', { name: 'Restore', exact: true }).click()
      const alert = page.getByRole('alert')
      await H.hasText(alert, 'The folder this item was in is in the trash. Restore the folder first.')
      await H.hasCount(rows, 3)

      // Ten days on, four are left.
      await page.getByRole('spinbutton', { name: 'Days' }).fill('10')
      await page.getByRole('button', { name: 'Advance clock' }).click()
      await H.hasText(page.getByRole('status'), 'The clock moved forward 10 days')
      await H.hasText(rows.nth(0), '4 days left')
      // The first one was deleted two hours earlier: 3 days and 22 hours, shown as 4.
      await H.hasText(rows.nth(2), '4 days left')
      // 3 days 22 hours more: 14 days since the first delete, which is purged.
      await page.getByRole('spinbutton', { name: 'Days' }).fill('3')
      await page.getByRole('spinbutton', { name: 'Hours' }).fill('22')
      await page.getByRole('button', { name: 'Advance clock' }).click()
      await H.hasText(page.getByRole('status'), '1 trash item was purged.')
      await H.hasCount(rows, 2)
      await H.hasText(rows.nth(0), '2 hours left')
      await H.hasText(rows.nth(1), '1 hour left')

      await rows.filter({ hasText: 'c1.png' }).getByRole('button', { name: 'Delete permanently', exact: true }).click()
      await H.hasText(page.getByRole('status'), '“c1.png” was deleted permanently.')
      await H.hasCount(rows, 1)
      assert.deepEqual((await H.trashItems(server, stack)).map((i) => i.uid), [box.uid])

      await page.getByRole('button', { name: 'Empty trash', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'The trash was emptied: 1 item deleted permanently.')
      await page.getByText('The trash is empty.').waitFor()
      assert.deepEqual(await H.trashItems(server, stack), [])
    }))
})
