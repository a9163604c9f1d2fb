'use strict'
// Browsing: nested folders and the breadcrumb, paging past 250 rows (folders first), and
// the search box (the `query` API, across folders).

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

describe('browsing', () => {
  it('opens nested folders, pages past 250 rows and searches every folder', () =>
    H.withUi(browser, { name: 'browse' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Browse')
      const docs = await H.createFolder(server, stack, 'Docs')
      const deep = await H.createFolder(server, stack, 'Deep', docs.uid)
      await H.createFolder(server, stack, 'Art')
      await H.uploadMany(server, stack, 250, { prefix: 'root' })
      await H.uploadAsset(server, stack, { filename: 'report (final).pdf', title: 'Quarterly report (final)', parentUid: deep.uid, bytes: Buffer.from('%PDF-1.4\n'), type: 'application/pdf' })
      const queries = []
      page.on('request', (req) => {
        const url = new URL(req.url())
        if (url.pathname === '/v3/assets' && url.searchParams.get('query')) queries.push(JSON.parse(url.searchParams.get('query')))
      })

      await page.goto(H.uiUrl(stack))
      const rows = page.locator('table.assets tbody').getByRole('row')
      const pager = page.getByRole('navigation', { name: 'Pages' })
      await H.hasCount(rows, 250)
      await H.hasText(pager, '1–250 of 252 items')
      // Folders first, by name; then the assets; every one on exactly one page.
      const names = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td.name a').textContent))
      const first = await names()
      assert.deepEqual(first.slice(0, 2), ['Art', 'Docs'])
      assert.ok(first.slice(2).every((n) => /^root-\d{3}\.txt$/.test(n)))
      await pager.getByRole('link', { name: 'Next page' }).click()
      await H.hasCount(rows, 2)
      await H.hasText(pager, '251–252 of 252 items')
      const second = await names()
      assert.equal(new Set([...first.slice(2), ...second]).size, 250)
      await pager.getByRole('link', { name: 'Previous page' }).click()
      await H.hasCount(rows, 250)

      // Folders and the breadcrumb.
      await page.getByRole('link', { name: 'Docs', exact: true }).click()
      const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
      await H.hasText(crumbs, 'Docs')
      await page.getByRole('link', { name: 'Deep', exact: true }).click()
      await H.hasText(crumbs, 'Deep')
      assert.equal(await crumbs.innerText().then((t) => t.replace(/\s+/g, ' ').trim()), 'Home Docs Deep')
      await H.hasText(page.getByRole('row').filter({ hasText: 'Quarterly report (final)' }), 'PDF')
      await crumbs.getByRole('link', { name: 'Docs' }).click()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Deep' }), 1)

      // Search: every folder, title or filename, case-insensitive, special characters literal.
      const search = page.getByRole('searchbox', { name: 'Search assets' })
      await search.fill('REPORT (FINAL')
      await search.press('Enter')
      await H.hasText(crumbs, 'Search results for “REPORT (FINAL”')
      await H.hasCount(rows, 1)
      await H.hasText(rows.first(), 'Quarterly report (final)')
      const match = { $regex: 'REPORT \\(FINAL', $options: 'i' }
      const sent = queries.filter((q) => JSON.stringify(q).includes('FINAL'))
      assert.deepEqual(sent.find((q) => q.$or), { $or: [{ title: match }, { filename: match }] })
      assert.deepEqual(sent.find((q) => q.is_dir), { is_dir: true, name: match })
      await search.fill('no such thing')
      await page.getByRole('button', { name: 'Search', exact: true }).click()
      await page.getByText('Nothing matches “no such thing”.').waitFor()
      await crumbs.getByRole('link', { name: 'Clear search' }).click()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Deep' }), 1)

      // The details of the asset, with its folder path.
      await page.goto(H.uiUrl(stack, `/assets/${deep.uid}`))
      await page.getByRole('link', { name: 'Quarterly report (final)' }).click()
      await page.getByRole('heading', { name: 'Quarterly report (final)', level: 1 }).waitFor()
      assert.equal((await crumbs.innerText()).replace(/\s+/g, ' ').trim(), 'Home Docs Deep Quarterly report (final)')
      const facts = await page.locator('dl.facts').innerText()
      assert.ok(facts.includes('report_(final).pdf'), facts)
      assert.ok(facts.includes('application/pdf'), facts)
      await page.getByText('Not published').waitFor()
    }))
})

describe('the stack clock', () => {
  it('moved forward from the sidebar, applies a scheduled publish and says so', () =>
    H.withUi(browser, { name: 'scheduled' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Scheduled')
      const asset = await H.uploadAsset(server, stack, { filename: 'launch.png', title: 'Launch banner' })
      const clock = await H.ok(H.api(server, 'GET', `/_mock/stacks/${stack.api_key}/clock`))
      const at = new Date(Date.parse(clock.now) + 2 * 86400000).toISOString()
      await H.ok(H.api(server, 'POST', `/v3/assets/${asset.uid}/publish`, {
        stack,
        json: { asset: { environments: ['development'], locales: ['en-us'] }, scheduled_at: at }
      }), 201)

      await page.goto(H.uiUrl(stack))
      await page.getByRole('link', { name: 'Launch banner' }).click()
      await page.getByText('Not published').waitFor()
      await page.getByRole('spinbutton', { name: 'Days' }).fill('3')
      await page.getByRole('button', { name: 'Advance clock' }).click()
      await H.hasText(page.getByRole('status'), '1 scheduled publish ran.')
      await page.goto(H.uiUrl(stack))
      await page.getByRole('link', { name: 'Launch banner' }).click()
      const published = page.getByRole('table', { name: 'Publish status' }).getByRole('row')
      await H.hasCount(published, 2)
      await H.hasText(published.nth(1), 'en-us')
    }))
})
