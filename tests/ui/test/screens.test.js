'use strict'
// Every screen on a wide screen (1280x800) and a phone (375x812): nothing wider than the
// screen, the phone's list first (its first row in the top half, the menu and the clock
// behind the Menu button), and a screenshot of each in target/ui-screenshots/.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

const COLOURS = [[91, 69, 214], [230, 120, 60], [40, 160, 140], [220, 60, 110], [60, 130, 230], [240, 190, 40]]

/** A stack that looks used: folders, images, a published asset, a token, a full trash. */
async function seed (server) {
  const stack = await H.createStack(server, 'Marketing site')
  await H.createFolder(server, stack, 'Campaigns')
  await H.createFolder(server, stack, 'Product shots')
  const assets = []
  for (let i = 0; i < COLOURS.length; i++) {
    const bytes = H.gradientPng(96, 64, COLOURS[i], [255, 255, 255])
    assets.push(await H.uploadAsset(server, stack, { filename: `hero-${i + 1}.png`, title: `Hero banner ${i + 1}`, bytes }))
  }
  await H.uploadAsset(server, stack, { filename: 'brochure.pdf', title: 'Spring brochure', bytes: Buffer.from('%PDF-1.4\n'), type: 'application/pdf' })
  await H.ok(H.api(server, 'POST', '/v3/environments', { stack, json: { environment: { name: 'production', urls: [{ locale: 'en-us', url: 'https://www.example.com' }] } } }))
  await H.ok(H.api(server, 'POST', `/v3/assets/${assets[0].uid}/publish`, { stack, json: { asset: { environments: ['production', 'development'], locales: ['en-us'] } } }), 201)
  await H.deliveryToken(server, stack, ['production'])
  const old = await H.createFolder(server, stack, 'Old campaign')
  await H.uploadAsset(server, stack, { filename: 'winter-sale-banner-final-v2.png', parentUid: old.uid })
  await H.ok(H.api(server, 'DELETE', `/v3/assets/folders/${old.uid}`, { stack }))
  for (const filename of ['archive.zip', 'price-list-2025.xlsx']) {
    const a = await H.uploadAsset(server, stack, { filename, bytes: Buffer.from(filename), type: 'application/octet-stream' })
    await H.ok(H.api(server, 'DELETE', `/v3/assets/${a.uid}`, { stack }))
  }
  return { stack, first: assets[0] }
}

const VIEWPORTS = [['desktop', { width: 1280, height: 800 }], ['phone', { width: 375, height: 812 }]]

describe('every screen', () => {
  for (const [kind, viewport] of VIEWPORTS) {
    it(`fits a ${kind} (${viewport.width}x${viewport.height}) and is photographed`, () =>
      H.withUi(browser, { name: `screens-${kind}`, viewport }, async ({ server, page }) => {
        const { stack, first } = await seed(server)
        const phone = kind === 'phone'
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        const fits = async (what) => assert.ok(await overflow() <= 0, `${what} is ${await overflow()} px too wide`)
        const menu = page.getByRole('button', { name: 'Menu', exact: true })

        await page.goto(H.uiUrl(stack))
        const rows = page.locator('table.assets tbody').getByRole('row')
        await H.hasCount(rows, 9)
        await H.eventually(async () => assert.equal(await page.locator('td.thumb img').evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth === 80).length), 6))
        await fits('the Assets screen')
        const box = await rows.first().boundingBox()
        if (phone) {
          // The list comes first: its first row in the top half of the screen.
          assert.ok(box.y + box.height <= viewport.height / 2, `the first row ends at ${box.y + box.height} px`)
          assert.equal(await page.getByRole('link', { name: 'Trash', exact: true }).isVisible(), false)
          assert.equal(await page.getByTestId('clock-now').isVisible(), false)
        } else {
          assert.equal(await menu.isVisible(), false)
        }
        await H.screenshot(page, `screen-assets-${kind}`)

        if (phone) {
          await menu.click()
          assert.equal(await menu.getAttribute('aria-expanded'), 'true')
          await page.getByRole('link', { name: 'Trash', exact: true }).waitFor()
          await page.getByRole('button', { name: 'Advance clock' }).waitFor()
          await H.hasText(page.getByTestId('clock-now'), 'UTC')
          await H.screenshot(page, 'screen-menu-phone')
          await page.keyboard.press('Escape')
          await page.getByRole('link', { name: 'Trash', exact: true }).waitFor({ state: 'hidden' })
          assert.equal(await menu.getAttribute('aria-expanded'), 'false')
        }

        await page.getByRole('checkbox', { name: 'Select Hero banner 2', exact: true }).check()
        await page.getByRole('checkbox', { name: 'Select Hero banner 3', exact: true }).check()
        await H.hasText(page.getByRole('region', { name: 'Selection' }), '2 selected')
        await fits('the selection panel')
        await H.screenshot(page, `screen-selection-${kind}`)
        await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Publish', exact: true }).click()
        await page.getByRole('dialog').getByRole('checkbox', { name: 'production' }).waitFor()
        await H.screenshot(page, `screen-publish-dialog-${kind}`)
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
        await page.getByRole('button', { name: 'Actions for Campaigns', exact: true }).click()
        await page.getByRole('menuitem', { name: 'Rename' }).waitFor()
        await H.screenshot(page, `screen-row-menu-${kind}`)
        await page.keyboard.press('Escape')

        await page.goto(H.uiUrl(stack, `/asset/${first.uid}`))
        await H.hasCount(page.getByRole('table', { name: 'Publish status' }).getByRole('row'), 3)
        await H.eventually(async () => assert.ok(await page.getByRole('img', { name: 'Preview of Hero banner 1' }).evaluate((img) => img.complete && img.naturalWidth > 0)))
        await fits('the asset page')
        await H.screenshot(page, `screen-asset-${kind}`)
        await H.screenshot(page, `screen-asset-${kind}-full`, { fullPage: true })

        if (phone) await menu.click()
        await page.getByRole('link', { name: 'Trash', exact: true }).click()
        const trashRows = page.locator('table.trash tbody').getByRole('row')
        await H.hasCount(trashRows, 3)
        await fits('the Trash')
        if (!phone) {
          // A folder's row keeps its three buttons on one line.
          const buttons = trashRows.filter({ hasText: 'Old campaign' }).getByRole('button')
          await H.hasCount(buttons, 3)
          const tops = await buttons.evaluateAll((bs) => new Set(bs.map((b) => Math.round(b.getBoundingClientRect().top))).size)
          assert.equal(tops, 1, 'the buttons of a folder row do not wrap')
        }
        await H.screenshot(page, `screen-trash-${kind}`)

        if (phone) await menu.click()
        await page.getByRole('link', { name: 'Settings', exact: true }).click()
        await page.getByTestId('token-value').waitFor()
        await fits('Settings')
        await H.screenshot(page, `screen-settings-${kind}`)
        await H.screenshot(page, `screen-settings-${kind}-full`, { fullPage: true })
      }))
  }
})
