'use strict'
// Upload by the labelled file input and by drag and drop, into the open folder, with
// the progress of the XMLHttpRequest upload.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('upload', () => {
  it('uploads files chosen in the Upload input into the open folder, showing progress', () =>
    H.withUi(browser, { name: 'upload-input' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Upload')
      const folder = await H.createFolder(server, stack, 'Incoming')
      await page.goto(H.uiUrl(stack, `/assets/${folder.uid}`))
      await H.hasText(page.getByRole('navigation', { name: 'Breadcrumb' }), 'Incoming')
      await page.getByText('This folder is empty.').waitFor()

      const thumbnailTypes = []
      page.on('response', (res) => { if (res.url().includes('auto=webp')) thumbnailTypes.push(res.headers()['content-type']) })
      // Slow the upload down so that its progress shows between 0 and 100.
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 })
      const big = Buffer.alloc(1536 * 1024, 'x')
      const png = H.gradientPng(32, 32, [91, 69, 214], [40, 160, 140])
      await page.getByLabel('Upload', { exact: true }).setInputFiles([
        { name: 'big notes.txt', mimeType: 'text/plain', buffer: big },
        { name: 'swatch.png', mimeType: 'image/png', buffer: png }
      ])
      const bar = page.getByRole('progressbar', { name: 'Uploading big notes.txt' })
      await H.eventually(async () => {
        const value = await bar.evaluate((el) => el.value)
        assert.ok(value > 0 && value < 100, `progress ${value}`)
      }, 10000)
      await H.hasText(page.getByRole('status'), 'Uploaded 2 files.', 15000)
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
      // Finished rows go away on their own.
      await page.getByRole('list', { name: 'Uploads' }).waitFor({ state: 'hidden' })

      const rows = page.getByRole('row').filter({ hasText: /big_notes\.txt|swatch\.png/ })
      await H.hasCount(rows, 2)
      await H.hasText(rows.filter({ hasText: 'swatch.png' }), 'PNG image')
      await H.hasText(rows.filter({ hasText: 'big_notes.txt' }), '1.5 MB')
      await H.eventually(async () => assert.equal(await page.locator('td.thumb img').evaluate((img) => img.complete && img.naturalWidth), 80))
      const thumb = await page.locator('td.thumb img').getAttribute('src')
      assert.match(thumb, /\/swatch\.png\?width=80&height=80&fit=crop&auto=webp$/)
      // Chromium takes WebP, so that is what it got.
      assert.ok(thumbnailTypes.length > 0 && thumbnailTypes.every((t) => t === 'image/webp'), thumbnailTypes.join(', '))

      const listed = await H.ok(H.api(server, 'GET', `/v3/assets?folder=${folder.uid}`, { stack }))
      assert.deepEqual(listed.assets.map((a) => a.filename).sort(), ['big_notes.txt', 'swatch.png'])
      assert.ok(listed.assets.every((a) => a.parent_uid === folder.uid))
      const big1 = listed.assets.find((a) => a.filename === 'big_notes.txt')
      assert.equal(big1.file_size, String(big.length))
    }))

  it('uploads files dropped on the list', () =>
    H.withUi(browser, { name: 'upload-drop' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Drop')
      await page.goto(H.uiUrl(stack))
      await page.getByText('This folder is empty.').waitFor()
      const drop = await page.evaluateHandle(() => {
        const data = new DataTransfer()
        data.items.add(new File(['dropped text\n'], 'dropped.txt', { type: 'text/plain' }))
        return data
      })
      const list = page.locator('.assets-screen')
      await list.dispatchEvent('dragenter', { dataTransfer: drop })
      assert.ok(await list.evaluate((el) => el.classList.contains('dragging')), 'the drop area shows')
      await list.dispatchEvent('dragover', { dataTransfer: drop })
      await list.dispatchEvent('drop', { dataTransfer: drop })
      await H.hasText(page.getByRole('status'), 'Uploaded 1 file.')
      await H.hasCount(page.getByRole('row').filter({ hasText: 'dropped.txt' }), 1)
      assert.ok(!(await list.evaluate((el) => el.classList.contains('dragging'))))
      const listed = await H.ok(H.api(server, 'GET', '/v3/assets?folder=cs_root', { stack }))
      assert.deepEqual(listed.assets.map((a) => [a.filename, a.file_size]), [['dropped.txt', '13']])
    }))
})
