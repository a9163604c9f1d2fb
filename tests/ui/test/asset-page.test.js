'use strict'
// An asset's page: edit and save its details (the version goes up), name a version,
// replace its file (progress, then the new thumbnail), download it, delete it to the
// trash; and people shown by their display name wherever the UI says who did something.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('the asset page', () => {
  it('edits and saves title, description and tags, shows the new version and names it', () =>
    H.withUi(browser, { name: 'asset-edit' }, async ({ server, page }) => {
      const stack = (await H.ok(H.api(server, 'POST', '/_mock/stacks', { json: { name: 'Edit', user_name: 'Ada Lovelace' } }))).stack
      const asset = await H.uploadAsset(server, stack, { filename: 'logo.png', title: 'Logo' })
      await page.goto(H.uiUrl(stack, `/asset/${asset.uid}`))
      await page.getByRole('heading', { name: 'Logo', level: 1 }).waitFor()
      // Who did it, by name (the id stays in a tooltip): never the raw user id.
      const facts = page.locator('dl.facts')
      await H.hasText(facts, 'by Ada Lovelace')
      assert.ok(!(await facts.innerText()).includes(stack.user_uid))

      await page.getByRole('textbox', { name: 'Title' }).fill('Company logo')
      await page.getByRole('textbox', { name: 'Description' }).fill('The square one, for avatars.')
      await page.getByRole('textbox', { name: 'Tags' }).fill('brand, logo , brand')
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'Saved “Company logo”: now version 2.')
      await page.getByRole('heading', { name: 'Company logo', level: 1 }).waitFor()
      await H.hasText(page.locator('#asset-version'), '2')
      const versions = page.getByRole('table', { name: 'Versions, newest first' }).getByRole('row')
      await H.hasCount(versions, 3)
      await H.hasText(versions.nth(1), '2 (current)')
      await H.hasText(versions.nth(1), 'Ada Lovelace')
      const saved = (await H.ok(H.api(server, 'GET', `/v3/assets/${asset.uid}`, { stack }))).asset
      assert.equal(saved.title, 'Company logo')
      assert.equal(saved.description, 'The square one, for avatars.')
      assert.deepEqual(saved.tags, ['brand', 'logo'])
      assert.equal(saved._version, 2)
      assert.equal(await page.getByRole('textbox', { name: 'Tags' }).inputValue(), 'brand, logo')

      // Saving again without a change sends nothing.
      let puts = 0
      page.on('request', (req) => { if (req.method() === 'PUT') puts++ })
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'Nothing changed')
      assert.equal(puts, 0)

      // Naming a version.
      await page.getByRole('button', { name: 'Name version 1', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByRole('textbox', { name: 'Version name' }).fill('As uploaded')
      await dialog.getByRole('button', { name: 'Save', exact: true }).click()
      await H.hasText(page.getByRole('status'), 'Version 1 is named “As uploaded”.')
      await H.hasText(versions.nth(2), 'As uploaded')
      const named = await H.ok(H.api(server, 'GET', `/v3/assets/${asset.uid}/versions`, { stack }))
      assert.equal(named.versions.find((v) => v._version === 1)._version_name.title, 'As uploaded')
      await H.screenshot(page, 'asset-page')
    }))

  it('replaces the file with progress and shows the new thumbnail; downloads it', () =>
    H.withUi(browser, { name: 'asset-replace' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Replace')
      const first = H.gradientPng(30, 30, [230, 120, 60], [255, 255, 255])
      const asset = await H.uploadAsset(server, stack, { filename: 'banner.png', title: 'Banner', bytes: first })
      await page.goto(H.uiUrl(stack, `/asset/${asset.uid}`))
      const preview = page.getByRole('img', { name: 'Preview of Banner' })
      await H.eventually(async () => assert.equal(await preview.evaluate((img) => img.complete && img.naturalWidth), 30))

      // Slow the upload so that its progress shows.
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 })
      const second = H.gradientPng(64, 48, [40, 160, 140], [91, 69, 214])
      const padded = Buffer.concat([second, Buffer.alloc(512 * 1024)])
      const chooser = page.waitForEvent('filechooser')
      await page.getByRole('button', { name: 'Replace file', exact: true }).click()
      await (await chooser).setFiles({ name: 'banner-wide.png', mimeType: 'image/png', buffer: padded })
      const bar = page.getByRole('progressbar', { name: 'Replacing with banner-wide.png' })
      await H.eventually(async () => {
        const value = await bar.evaluate((el) => el.value)
        assert.ok(value > 0 && value < 100, `progress ${value}`)
      })
      await H.hasText(page.getByRole('status'), 'Replaced the file of “Banner” with banner-wide.png: now version 2.', 20000)
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
      await H.eventually(async () => assert.equal(await preview.evaluate((img) => img.complete && img.naturalWidth), 64))
      await H.hasText(page.locator('dl.facts'), '64 × 48 px')

      // The list's thumbnail is the new file too (an 80 px square from the Image Delivery API).
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Home' }).click()
      const thumb = page.getByRole('row').filter({ hasText: 'Banner' }).locator('td.thumb img')
      await H.eventually(async () => assert.equal(await thumb.evaluate((img) => img.complete && img.naturalWidth), 80))
      assert.match(await thumb.getAttribute('src'), /\/banner-wide\.png\?width=80&/)

      // Download: the current file, under its filename.
      await page.getByRole('link', { name: 'Banner', exact: true }).click()
      const downloading = page.waitForEvent('download')
      await page.getByRole('button', { name: 'Download', exact: true }).click()
      const download = await downloading
      assert.equal(download.suggestedFilename(), 'banner-wide.png')
      assert.ok(fs.readFileSync(await download.path()).equals(padded))
    }))

  it('deletes from its page with the same confirmation, and lands in its folder', () =>
    H.withUi(browser, { name: 'asset-delete' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Delete page')
      const folder = await H.createFolder(server, stack, 'Posters')
      const asset = await H.uploadAsset(server, stack, { filename: 'p.png', title: 'Poster', parentUid: folder.uid })
      await page.goto(H.uiUrl(stack, `/asset/${asset.uid}`))
      await page.getByRole('heading', { name: 'Poster', level: 1 }).waitFor()
      await page.getByRole('button', { name: 'Delete', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await H.hasText(dialog, '“Poster” moves to the trash, where it can be restored within 14 days.')
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(page.getByRole('status'), '1 asset was moved to the trash. It can be restored within 14 days.')
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Posters')
      await page.getByText('This folder is empty.').waitFor()
      assert.deepEqual((await H.trashItems(server, stack)).map((i) => i.uid), [asset.uid])

      // In the trash: who deleted it, by the stack user's name.
      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      const row = page.getByRole('row').filter({ hasText: 'Poster' })
      await H.hasText(row, 'Local Developer')
    }))
})
