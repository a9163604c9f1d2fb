'use strict'
// Folders from the UI: New folder, a row's actions menu (Rename, Move, Delete), the move
// dialog's folder tree, dragging rows onto a folder or the breadcrumb, and moving a
// selection of assets from the panel.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const H = require('../lib/harness')

let browser
before(async () => { browser = await H.launchBrowser() })
after(async () => { if (browser) await browser.close() })

/** The stack's folders by name: { name: { uid, parent_uid } }. */
async function foldersOf (server, stack) {
  const query = encodeURIComponent(JSON.stringify({ is_dir: true }))
  const body = await H.ok(H.api(server, 'GET', `/v3/assets?include_folders=true&query=${query}`, { stack }))
  return Object.fromEntries(body.assets.map((f) => [f.name, f]))
}

describe('folders', () => {
  it('makes, renames, moves with the picker and deletes a folder', () =>
    H.withUi(browser, { name: 'folders' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Folders')
      const archive = await H.createFolder(server, stack, 'Archive')
      await page.goto(H.uiUrl(stack))
      const row = (name) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) })
      await H.hasCount(row('Archive'), 1)
      const status = page.getByRole('status')

      // New folder, in the folder on screen (the root).
      await page.getByRole('button', { name: 'New folder', exact: true }).click()
      let dialog = page.getByRole('dialog')
      await dialog.getByRole('textbox', { name: 'Folder name' }).fill('Drafts')
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      await H.hasText(status, 'Folder created successfully.')
      await dialog.waitFor({ state: 'hidden' })
      await H.hasCount(row('Drafts'), 1)
      let folders = await foldersOf(server, stack)
      assert.equal(folders.Drafts.parent_uid, null)

      // An empty name is refused in the dialog, in words; Cancel leaves everything as it was.
      await page.getByRole('button', { name: 'New folder', exact: true }).click()
      dialog = page.getByRole('dialog')
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      await H.hasText(dialog.getByRole('alert'), 'Enter a name for the folder.')
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
      await dialog.waitFor({ state: 'hidden' })

      // Rename, from the row's actions menu.
      await page.getByRole('button', { name: 'Actions for Drafts', exact: true }).click()
      const menu = page.getByRole('menu')
      assert.deepEqual(await menu.getByRole('menuitem').allInnerTexts(), ['Rename', 'Move', 'Delete'])
      await menu.getByRole('menuitem', { name: 'Rename' }).click()
      dialog = page.getByRole('dialog')
      const name = dialog.getByRole('textbox', { name: 'Name', exact: true })
      assert.equal(await name.inputValue(), 'Drafts')
      await name.fill('Drafts 2026')
      await dialog.getByRole('button', { name: 'Save', exact: true }).click()
      await H.hasText(status, '“Drafts” is now “Drafts 2026”.')
      await H.hasCount(row('Drafts 2026'), 1)

      // Move, with the folder tree: Home, Archive, and the moved folder itself not choosable.
      await page.getByRole('button', { name: 'Actions for Drafts 2026', exact: true }).click()
      await page.getByRole('menuitem', { name: 'Move' }).click()
      dialog = page.getByRole('dialog')
      const tree = dialog.getByRole('tree')
      await H.hasCount(tree.getByRole('treeitem'), 3)
      assert.equal(await tree.getByRole('treeitem', { name: 'Drafts 2026' }).getAttribute('aria-disabled'), 'true')
      await tree.getByRole('treeitem', { name: 'Home' }).waitFor()
      await tree.getByRole('treeitem', { name: 'Archive' }).click()
      await H.screenshot(page, 'move-dialog')
      await dialog.getByRole('button', { name: 'Move here', exact: true }).click()
      await H.hasText(status, 'Moved “Drafts 2026” to Archive.')
      await H.hasCount(row('Drafts 2026'), 0)
      folders = await foldersOf(server, stack)
      assert.equal(folders['Drafts 2026'].parent_uid, archive.uid)

      // Delete, from inside Archive: the same confirmation as the panel's, naming it.
      await row('Archive').getByRole('link', { name: 'Archive' }).click()
      await H.hasCount(row('Drafts 2026'), 1)
      await page.getByRole('button', { name: 'Actions for Drafts 2026', exact: true }).click()
      await page.getByRole('menuitem', { name: 'Delete' }).click()
      dialog = page.getByRole('dialog')
      await H.hasText(dialog, '“Drafts 2026” moves to the trash (a folder with everything in it), where it can be restored within 14 days.')
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click()
      await H.hasText(status, '1 item was moved to the trash. It can be restored within 14 days.')
      await H.hasCount(row('Drafts 2026'), 0)
      const trash = await H.trashItems(server, stack)
      assert.deepEqual(trash.map((i) => [i.type, i.name]), [['folder', 'Drafts 2026']])
    }))

  it('moves rows dragged onto a folder and onto the breadcrumb, and a selection with Move', () =>
    H.withUi(browser, { name: 'folders-drag' }, async ({ server, page }) => {
      const stack = await H.createStack(server, 'Drag')
      const target = await H.createFolder(server, stack, 'Target')
      const inner = await H.createFolder(server, stack, 'Inner')
      const a = await H.uploadAsset(server, stack, { filename: 'a.png', title: 'Alpha' })
      const b = await H.uploadAsset(server, stack, { filename: 'b.png', title: 'Beta' })
      const c = await H.uploadAsset(server, stack, { filename: 'c.png', title: 'Gamma' })
      await page.goto(H.uiUrl(stack))
      const row = (name) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) })
      await H.hasCount(row('Alpha'), 1)
      const status = page.getByRole('status')
      const parentOf = async (uid) => (await H.ok(H.api(server, 'GET', `/v3/assets/${uid}`, { stack }))).asset.parent_uid

      // A notice floats over the page: the list does not move when one shows.
      const before = (await row('Beta').boundingBox()).y

      // An asset dragged onto a folder's row.
      await row('Alpha').dragTo(row('Target'))
      await H.hasText(status, 'Moved “Alpha” to Target.')
      await H.hasCount(row('Alpha'), 0)
      assert.equal(await parentOf(a.uid), target.uid)
      assert.equal((await row('Beta').boundingBox()).y, before, 'the notice did not push the list down')

      // A folder dragged onto another.
      await row('Inner').dragTo(row('Target'))
      await H.hasText(status, 'Moved “Inner” to Target.')
      assert.equal((await foldersOf(server, stack)).Inner.parent_uid, target.uid)

      // A selection of assets moved with the panel's Move, into Inner (two levels down).
      await page.getByRole('checkbox', { name: 'Select Beta', exact: true }).check()
      await page.getByRole('checkbox', { name: 'Select Gamma', exact: true }).check()
      const panel = page.getByRole('region', { name: 'Selection' })
      await H.hasText(panel, '2 selected')
      await panel.getByRole('button', { name: 'Move', exact: true }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByRole('treeitem', { name: 'Inner' }).click()
      await dialog.getByRole('button', { name: 'Move here', exact: true }).click()
      await H.hasText(status, 'Moved 2 items to Inner.')
      await panel.waitFor({ state: 'hidden' })
      await H.hasCount(row('Beta'), 0)
      await H.hasCount(row('Gamma'), 0)
      assert.equal(await parentOf(b.uid), inner.uid)
      assert.equal(await parentOf(c.uid), inner.uid)

      // Dragged onto the breadcrumb: back to Home from inside Target / Inner.
      await page.goto(H.uiUrl(stack, `/assets/${inner.uid}`))
      await H.hasCount(row('Beta'), 1)
      const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
      await row('Beta').dragTo(crumbs.getByRole('link', { name: 'Home' }))
      await H.hasText(status, 'Moved “Beta” to Home.')
      await H.hasCount(row('Beta'), 0)
      assert.equal(await parentOf(b.uid), null)
      await row('Gamma').dragTo(crumbs.getByRole('link', { name: 'Target' }))
      await H.hasText(status, 'Moved “Gamma” to Target.')
      assert.equal(await parentOf(c.uid), target.uid)
    }))
})
