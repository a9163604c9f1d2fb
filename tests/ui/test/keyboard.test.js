'use strict'
// The keyboard: `a` / `A` opens Assets outside text fields, and the whole delete flow
// works without a mouse (Tab, Space, Delete, Escape, Enter), with a visible focus.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

const focused = (page) => page.evaluate(() => {
  const el = document.activeElement
  return { label: el.getAttribute('aria-label') || el.textContent.trim(), tag: el.tagName, outline: getComputedStyle(el).outlineStyle }
})

async function tabTo (page, label, { back = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
    const f = await focused(page)
    if (f.label === label) return f
  }
  throw new Error(`Tab never reached ${label}`)
}

describe('the keyboard', () => {
  it('a and A open Assets from anywhere, but not while typing', () =>
    H.withUi(browser, { name: 'shortcut' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Shortcut')
      const folder = await H.createFolder(server, stack, 'Nested')
      const assetsLink = page.getByRole('link', { name: 'Assets', exact: true })
      const trashHeading = page.getByRole('heading', { name: 'Trash', level: 1 })
      const assetsHeading = page.getByRole('heading', { name: 'Assets', level: 1 })

      await page.goto(H.uiUrl(stack, '/trash'))
      await trashHeading.waitFor()
      assert.equal(await assetsLink.getAttribute('aria-keyshortcuts'), 'a')
      await page.keyboard.press('a')
      await assetsHeading.waitFor()
      assert.equal(await assetsLink.getAttribute('aria-current'), 'page')
      assert.equal(await page.evaluate(() => location.hash), '#/assets')

      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      await trashHeading.waitFor()
      await page.keyboard.press('Shift+A')
      await assetsHeading.waitFor()

      // In a text field, `a` is just a letter.
      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      await trashHeading.waitFor()
      await page.getByRole('spinbutton', { name: 'Days' }).focus()
      await page.keyboard.press('a')
      // The shortcut sets location.hash synchronously in its keydown handler.
      assert.equal(await page.evaluate(() => location.hash), '#/trash')
      assert.ok(await trashHeading.isVisible())
      await page.goto(H.uiUrl(stack, `/assets/${folder.uid}`))
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Nested')
      await page.getByRole('searchbox', { name: 'Search assets' }).focus()
      await page.keyboard.type('abc')
      assert.equal(await page.getByRole('searchbox', { name: 'Search assets' }).inputValue(), 'abc')
      assert.equal(await page.evaluate(() => location.hash), `#/assets/${folder.uid}`)
      // With Ctrl it is the browser's, not ours.
      await page.getByRole('heading', { name: 'Assets', level: 1 }).focus()
      await page.keyboard.press('Control+a')
      assert.equal(await page.evaluate(() => location.hash), `#/assets/${folder.uid}`)
      // Outside the field it opens the root of Assets.
      await page.keyboard.press('a')
      await H.eventually(async () => assert.equal(await page.evaluate(() => location.hash), '#/assets'))
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Home')
    }))

  it('selects, cancels with Escape and deletes with the keyboard alone', () =>
    H.withUi(browser, { name: 'keyboard-flow' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Keyboard')
      const k1 = await H.uploadAsset(server, stack, { filename: 'k1.png', title: 'K1' })
      await H.uploadAsset(server, stack, { filename: 'k2.png', title: 'K2' })
      await page.goto(H.uiUrl(stack))
      await H.hasCount(page.getByRole('row').filter({ hasText: /K[12]/ }), 2)

      const box = await tabTo(page, 'Select K1')
      assert.equal(box.tag, 'INPUT')
      assert.notEqual(box.outline, 'none', 'the focus is visible')
      await page.keyboard.press('Space')
      const panel = page.getByRole('region', { name: 'Selection' })
      await H.hasText(panel, '1 selected')

      // Delete opens the confirmation, focused on Cancel; Escape closes it, nothing deleted.
      await page.keyboard.press('Delete')
      const dialog = page.getByRole('dialog')
      await dialog.waitFor()
      assert.equal((await focused(page)).label, 'Cancel')
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
      assert.equal((await focused(page)).label, 'Select K1', 'focus comes back')
      assert.equal((await H.ok(H.api(server, 'GET', '/v3/assets', { stack }))).assets.length, 2)
      await H.hasText(panel, '1 selected')

      // The panel's Delete button comes before the list in the focus order (a row holds
      // its checkbox, its link and its actions menu).
      const del = await tabTo(page, 'Delete', { back: true, max: 8 })
      assert.notEqual(del.outline, 'none')
      await page.keyboard.press('Enter')
      await dialog.waitFor()
      await page.keyboard.press('Tab')
      assert.equal((await focused(page)).label, 'Delete')
      await page.keyboard.press('Enter')
      await H.hasText(page.getByRole('status'), '1 asset was moved to the trash. It can be restored within 14 days.')
      await H.hasCount(page.getByRole('row').filter({ hasText: /K[12]/ }), 1)
      assert.deepEqual((await H.trashItems(server, stack)).map((i) => i.uid), [k1.uid])
      // Focus lands on the screen's heading, not on the page body.
      assert.equal((await focused(page)).label, 'Assets')
    }))
})
