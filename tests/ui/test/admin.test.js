'use strict'
// With --admin-token, /_mock answers 401 without it: the UI asks for the token, keeps it
// in session storage and sends it as `Authorization: Bearer <token>`.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

const TOKEN = 'ui-admin-secret'

describe('the admin token', () => {
  it('asks for the token, refuses a wrong one in words, and remembers the right one for the tab', () =>
    H.withUi(browser, { name: 'admin-token', serverArgs: ['--admin-token', TOKEN] }, async ({ server, page, guard }) => {
      const stack = await H.createStack(server, 'Guarded', TOKEN)
      await H.uploadAsset(server, stack, { filename: 'guarded.png', title: 'Guarded asset' })
      const mockCalls = []
      page.on('request', (req) => {
        if (new URL(req.url()).pathname.startsWith('/_mock')) mockCalls.push(req.headers().authorization || null)
      })
      // The first call, without a token, and the wrong token answer 401.
      guard.expectHttpError(401, '/_mock/stacks')

      await page.goto(H.uiUrl(stack))
      await page.getByRole('heading', { name: 'Admin token needed' }).waitFor()
      const input = page.getByLabel('Admin token', { exact: true })
      assert.equal(await input.getAttribute('type'), 'password')
      assert.ok(await page.getByRole('combobox', { name: 'Stack' }).isDisabled())

      await input.fill('not-the-token')
      await page.getByRole('button', { name: 'Continue' }).click()
      await H.hasText(page.getByRole('alert'), 'The admin token is missing or invalid.')
      assert.ok(await page.getByRole('heading', { name: 'Admin token needed' }).isVisible())

      await input.fill(TOKEN)
      await input.press('Enter')
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Guarded asset' }), 1)
      await H.hasCount(page.getByRole('alert'), 0)
      const picker = page.getByRole('combobox', { name: 'Stack' })
      assert.equal(await picker.inputValue(), stack.api_key)
      assert.equal(await picker.isDisabled(), false)
      await H.hasText(page.getByTestId('clock-now'), 'UTC')
      assert.equal(mockCalls[mockCalls.length - 1], `Bearer ${TOKEN}`)
      assert.equal(await page.evaluate(() => sessionStorage.getItem('csmock.ui.adminToken')), TOKEN)

      // Switching stacks: the link keeps naming the stack on screen.
      await picker.selectOption('blt0000000000000001')
      await page.getByText('This folder is empty.').waitFor()
      assert.equal(await page.evaluate(() => location.search), '?stack=blt0000000000000001')
      await picker.selectOption(stack.api_key)
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Guarded asset' }), 1)
      assert.equal(await page.evaluate(() => location.search), `?stack=${stack.api_key}`)

      // The tab keeps it: a reload goes straight to the screen, the trash opens.
      const before = mockCalls.length
      await page.reload()
      await H.hasCount(page.getByRole('row').filter({ hasText: 'Guarded asset' }), 1)
      await page.getByRole('link', { name: 'Trash', exact: true }).click()
      await page.getByText('The trash is empty.').waitFor()
      assert.ok(mockCalls.slice(before).length >= 3)
      assert.ok(mockCalls.slice(before).every((h) => h === `Bearer ${TOKEN}`))
    }))
})
