'use strict'
// Errors from the API are shown in words (their `error_message`) in a role=alert, the
// page never goes blank, and it stays readable on a phone.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('errors and small screens', () => {
  it('shows API errors as alerts, in the API\'s words, and stays usable', () =>
    H.withUi(browser, { name: 'api-error' }, async ({ server, page, guard }) => {
      const stack = await H.createStack(server, 'Errors')
      const asset = await H.uploadAsset(server, stack, { filename: 'keep.png', title: 'Keep me' })

      // A folder that does not exist (an old link): 422 "Folder was not found."
      guard.expectHttpError(422, '/v3/assets')
      await page.goto(H.uiUrl(stack, '/assets/blt0123456789abcdef'))
      const alert = page.getByRole('alert')
      await H.hasText(alert, 'Folder was not found.')
      assert.ok(await page.getByRole('heading', { name: 'Assets', level: 1 }).isVisible(), 'never a blank screen')
      assert.ok(await page.getByRole('link', { name: 'Trash', exact: true }).isVisible())
      await page.getByRole('link', { name: 'Back to the root folder' }).click()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Keep me' }), 1)
      await H.hasCount(alert, 0)

      // A failing bulk delete: the alert has the API's message; nothing leaves the list.
      await H.ok(H.api(server, 'POST', `/_mock/stacks/${stack.api_key}/faults`, { json: { status: 500, path: '/v3/bulk/delete' } }))
      guard.expectHttpError(500, '/v3/bulk/delete')
      await page.getByRole('checkbox', { name: 'Select Keep me', exact: true }).check()
      const panel = page.getByRole('region', { name: 'Selection' })
      await panel.getByRole('button', { name: 'Delete', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(alert, 'Injected failure (contentstack-mock fault injection).')
      await H.hasText(panel, '1 selected')
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Keep me' }), 1)
      assert.equal((await H.trashItems(server, stack)).length, 0)
      // The fault was used up: the same click now works.
      await panel.getByRole('button', { name: 'Delete', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(page.getByRole('status'), '1 asset was moved to the trash.')
      assert.deepEqual((await H.trashItems(server, stack)).map((i) => i.uid), [asset.uid])

      // An asset that is gone: its details say so.
      guard.expectHttpError(422, `/v3/assets/${asset.uid}`)
      await page.goto(H.uiUrl(stack, `/asset/${asset.uid}`))
      await H.hasText(alert, 'Asset was not found.')
      await page.getByText('This asset could not be loaded.').waitFor()
    }))

  it('is readable on a phone (375x812) and shows details with versions and publish status', () =>
    H.withUi(browser, { name: 'phone', viewport: { width: 375, height: 812 } }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Phone')
      const folder = await H.createFolder(server, stack, 'Pictures of a rather long folder name')
      const png = H.gradientPng(40, 30, [230, 120, 60], [91, 69, 214])
      const asset = await H.uploadAsset(server, stack, { filename: 'wide-image-with-a-long-file-name.png', title: 'A wide image with a long title', bytes: png, parentUid: folder.uid })
      const form = new FormData()
      form.append('asset[upload]', new Blob([png], { type: 'image/png' }), 'second.png')
      await H.ok(H.api(server, 'PUT', `/v3/assets/${asset.uid}`, { stack, form }))
      await page.goto(H.uiUrl(stack))
      await page.getByRole('link', { name: 'Pictures of a rather long folder name' }).click()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'A wide image' }), 1)
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(await overflow() <= 0, `the page is ${await overflow()} px too wide`)
      await page.getByRole('checkbox', { name: 'Select A wide image with a long title', exact: true }).check()
      const panel = page.getByRole('region', { name: 'Selection' })
      await H.hasText(panel, '1 selected')
      const box = await panel.boundingBox()
      assert.ok(box.x >= 0 && box.x + box.width <= 375 && box.y + box.height <= 812, `panel at ${JSON.stringify(box)}`)
      await H.screenshot(page, 'phone-long-names')

      await page.getByRole('link', { name: 'A wide image with a long title' }).click()
      await page.getByRole('heading', { name: 'A wide image with a long title', level: 1 }).waitFor()
      await page.getByText('Not published').waitFor()
      const versions = page.getByRole('table', { name: 'Versions, newest first' }).getByRole('row')
      await H.hasCount(versions, 3)
      await H.hasText(versions.nth(1), '2 (current)')
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Pictures of a rather long folder name')
      assert.ok(await overflow() <= 0, `the details are ${await overflow()} px too wide`)
      // Uids and user ids are random, so their width varies: give the versions table an
      // id longer than any real one, and the page must still fit.
      await versions.last().getByRole('cell').last().evaluate((cell) => { cell.textContent = 'cs' + '0f'.repeat(20) })
      assert.ok(await overflow() <= 0, `a long id makes the details ${await overflow()} px too wide`)
      // The navigation waits behind the Menu button.
      await page.getByRole('button', { name: 'Menu' }).click()
      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      await page.getByText('The trash is empty.').waitFor()
      assert.ok(await overflow() <= 0)
    }))
})
