// The Assets screen: folders and assets of a folder (or search results), paging, upload
// (file input and drag and drop, with progress), new folder, each row's actions menu
// (rename, move, delete), moving rows by dragging them onto a folder or the breadcrumb,
// and the selection with its floating panel: delete to the trash, publish, unpublish
// (one bulk request each) and move.

import { get, post, upload } from './api.js'
import { h, fill, formatSize, time, typeLabel, plural, count, notify, showError, confirmDialog, openMenu, namesOf, restorableWithin } from './dom.js'

// The dialogs load when first used: the list's first render waits for none of them.
const folders = () => import('./folders.js')
const publishing = () => import('./publish.js')

/** Rows on one page: folders first, then assets, fetched 100 at a time. */
export const PAGE_ROWS = 250
const API_LIMIT = 100
/** Contentstack's cap on one bulk delete, and so on the selection. */
export const MAX_SELECTION = 100
export const CAP_TEXT = 'You can select and delete up to 100 assets at a time.'
const FOLDER_CAP = 300
/** Rows rendered before the first paint (more than a tall screen shows). */
const FIRST_ROWS = 24
/** How long a finished upload's row stays. */
const DONE_ROW_MS = 2000

/** Selected items, uid -> { uid, label, isDir, parent }; kept across pages of one listing. */
const selection = new Map()
let capHit = false
let selectionScope = null
/** The rendered list: its rows and elements, for the selection to update in place. */
let screen = null
/** The uploads of this listing with their progress, kept while it is re-rendered. */
let uploads = null
let uploadsScope = null

export function resetSelection () {
  selection.clear()
  capHit = false
  selectionScope = null
}

const enc = encodeURIComponent
const escapeRegex = (text) => text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
export const labelOf = (item) => item.is_dir ? item.name : (item.title || item.filename)
export const isImage = (item) => /^image\//.test(item.content_type || '')
/** What the selection, the menus and the moves know of a row. */
const entryOf = (item) => ({ uid: item.uid, label: labelOf(item), isDir: Boolean(item.is_dir), parent: item.parent_uid || '' })
/** The drag of rows inside the page (files dragged in from outside are uploads). */
const DRAG_TYPE = 'application/x-csmock-items'
let dragged = null

export function folderHref (folder, { q = '', page = 0 } = {}) {
  const params = new URLSearchParams()
  if (q) params.set('q', q)
  if (page > 0) params.set('page', String(page + 1))
  const search = params.toString()
  return `#/assets${folder ? '/' + enc(folder) : ''}${search ? '?' + search : ''}`
}

// ---- data ----------------------------------------------------------------------------

async function fetchFolders (stack, r) {
  const query = r.q ? { is_dir: true, name: { $regex: escapeRegex(r.q), $options: 'i' } } : { is_dir: true }
  const params = { include_folders: true, query: JSON.stringify(query), asc: 'name', limit: API_LIMIT }
  if (!r.q) params.folder = r.folder || 'cs_root'
  const folders = []
  for (let skip = 0; skip < FOLDER_CAP; skip += API_LIMIT) {
    const body = await get('/v3/assets', { stack, params: { ...params, skip } })
    folders.push(...body.assets)
    if (body.assets.length < API_LIMIT) break
  }
  return folders
}

/**
 * `want` assets from `skip` on, in calls of at most 100 sent at once: `first` resolves
 * with the first call's assets and the total, `rest` with the other calls' assets.
 */
function fetchAssets (stack, r, skip, want) {
  const params = { relative_urls: true }
  if (r.q) {
    const match = { $regex: escapeRegex(r.q), $options: 'i' }
    params.query = JSON.stringify({ $or: [{ title: match }, { filename: match }] })
  } else {
    params.folder = r.folder || 'cs_root'
  }
  let first
  let rest = Promise.resolve([])
  if (want <= 0) {
    first = get('/v3/assets', { stack, params: { ...params, count: true } }).then((body) => ({ assets: [], count: body.assets }))
  } else {
    const calls = []
    for (let offset = 0; offset < want; offset += API_LIMIT) {
      calls.push(get('/v3/assets', {
        stack,
        params: { ...params, skip: skip + offset, limit: Math.min(API_LIMIT, want - offset), include_count: offset === 0 || undefined }
      }))
    }
    first = calls[0].then((body) => ({ assets: body.assets, count: body.count }))
    rest = Promise.all(calls.slice(1)).then((bodies) => bodies.flatMap((body) => body.assets))
  }
  // Whoever awaits them sees their errors; no rejection goes unhandled meanwhile.
  first.catch(() => {})
  rest.catch(() => {})
  return { first, rest }
}

/**
 * Page `r.page` of the list, folders first: `rows` as soon as the folders and the first
 * call of assets are in, `more` (a promise) for the rest of the page, and the total.
 */
async function fetchPage (stack, r) {
  const start = r.page * PAGE_ROWS
  let folders, listing
  if (r.page === 0) {
    // The first page's assets start at 0 whatever the folders: ask for both at once.
    listing = fetchAssets(stack, r, 0, PAGE_ROWS)
    folders = await fetchFolders(stack, r)
  } else {
    folders = await fetchFolders(stack, r)
    const shown = Math.max(0, Math.min(PAGE_ROWS, folders.length - start))
    listing = fetchAssets(stack, r, Math.max(0, start - folders.length), PAGE_ROWS - shown)
  }
  const first = await listing.first
  const folderRows = folders.slice(start, start + PAGE_ROWS)
  const room = PAGE_ROWS - folderRows.length
  const rows = folderRows.concat(first.assets.slice(0, room))
  const more = listing.rest.then((assets) => assets.slice(0, Math.max(0, room - first.assets.length)))
  more.catch(() => {})
  return { rows, more, total: folders.length + first.count, start }
}

// ---- the list screen -------------------------------------------------------------------

export async function renderAssets (main, ctx, r, live) {
  const stack = ctx.stack
  const scope = `${stack.api_key}|${r.folder || ''}|${r.q}`
  if (scope !== selectionScope) {
    selection.clear()
    capHit = false
    selectionScope = scope
  }

  const searchInput = h('input#asset-search', { type: 'search', name: 'q', value: r.q, placeholder: 'Title or filename', autocomplete: 'off' })
  const fileInput = h('input#upload.file-input', { type: 'file', multiple: true })
  fileInput.addEventListener('change', () => {
    const files = [...fileInput.files]
    fileInput.value = ''
    if (files.length) uploadFiles(ctx, files, r.folder)
  })
  const headerBox = h('input', { type: 'checkbox', 'aria-label': 'Select all' })
  const tbody = h('tbody')
  const loading = h('p.loading', 'Loading…')
  const empty = h('p.empty', { hidden: true })
  const crumbs = h('ol')
  const pager = h('nav.pager', { 'aria-label': 'Pages', hidden: true })
  if (!uploads || uploadsScope !== scope) {
    uploads = h('ul.uploads', { 'aria-label': 'Uploads', hidden: true })
    uploadsScope = scope
  }
  const panel = selectionPanel(ctx)
  const dropNote = h('p.drop-note', { 'aria-hidden': 'true' }, 'Drop files to upload them here')
  const caption = h('caption.sr-only', r.q ? `Search results for “${r.q}”` : 'Folders and assets')

  const section = h('section.assets-screen', { 'aria-labelledby': 'assets-h' },
    h('div.toolbar',
      h('h1#assets-h', { tabindex: -1 }, 'Assets'),
      h('form.search', {
        role: 'search',
        onsubmit: (e) => { e.preventDefault(); location.hash = folderHref(r.folder, { q: searchInput.value.trim() }) }
      },
      h('label.sr-only', { for: 'asset-search' }, 'Search assets'), searchInput,
      h('button.secondary', { type: 'submit' }, 'Search')),
      h('button.secondary', { type: 'button', onclick: () => after(ctx, folders().then((m) => m.newFolder(ctx, r.folder))) }, 'New folder'),
      h('span.upload', fileInput, h('label.button', { for: 'upload' }, 'Upload'))),
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, crumbs),
    uploads,
    panel.el,
    loading,
    h('div.table-wrap',
      h('table.list.assets',
        caption,
        h('thead', h('tr',
          h('th.check', { scope: 'col' }, headerBox),
          h('th.thumb', { scope: 'col' }, h('span.sr-only', 'Preview')),
          h('th', { scope: 'col' }, 'Title'),
          h('th.type', { scope: 'col' }, 'Type'),
          h('th.size', { scope: 'col' }, 'Size'),
          h('th.updated', { scope: 'col' }, 'Updated (UTC)'),
          h('th.more', { scope: 'col' }, h('span.sr-only', 'Actions')))),
        tbody)),
    empty,
    pager,
    dropNote)
  fill(main, section)
  fillCrumbs(crumbs, r, null)
  wireDrop(section, ctx, r)
  wireMoves(section, tbody, ctx)

  screen = { rows: [], byUid: new Map(), tbody, headerBox, panel, scope }
  tbody.addEventListener('change', (e) => {
    const box = e.target
    if (!box.matches('input[type=checkbox]')) return
    const item = screen.byUid.get(box.dataset.uid)
    if (!item) return
    if (box.checked) {
      if (!select(entryOf(item))) box.checked = false
    } else {
      selection.delete(item.uid)
    }
    syncSelection()
  })
  headerBox.addEventListener('change', () => {
    if (headerBox.checked) {
      for (const item of screen.rows) if (!select(entryOf(item))) break
    } else {
      for (const item of screen.rows) selection.delete(item.uid)
    }
    syncSelection()
  })
  section.addEventListener('keydown', (e) => {
    if (e.key === 'Delete' && selection.size && e.target.closest('table')) {
      e.preventDefault()
      deleteItems(ctx, [...selection.values()])
    }
  })
  syncSelection()

  let page, folderInfo
  try {
    [folderInfo, page] = await Promise.all([
      r.folder ? get(`/v3/assets/folders/${enc(r.folder)}`, { stack, params: { include_path: true } }) : null,
      fetchPage(stack, r)
    ])
  } catch (error) {
    if (!live()) return
    loading.remove()
    empty.hidden = false
    fill(empty, 'This list could not be loaded. ', h('a', { href: '#/assets' }, 'Back to the root folder'), ' or ',
      h('button.link-button', { type: 'button', onclick: () => ctx.refresh() }, 'try again'), '.')
    throw error
  }
  if (!live()) return
  loading.remove()
  fillCrumbs(crumbs, r, folderInfo && folderInfo.asset)
  if (page.total <= page.start && r.page > 0 && page.total > 0) {
    location.hash = folderHref(r.folder, { q: r.q, page: Math.floor((page.total - 1) / PAGE_ROWS) })
    return
  }
  // The rows a screen can show go in at once; the rest of the page follows in the next
  // frames (and as its calls answer), so that the first paint waits for none of them.
  const append = (items) => {
    const rows = document.createDocumentFragment()
    for (const item of items) {
      screen.rows.push(item)
      screen.byUid.set(item.uid, item)
      rows.append(rowOf(item))
    }
    tbody.append(rows)
  }
  tbody.replaceChildren()
  append(page.rows.slice(0, FIRST_ROWS))
  syncSelection()
  fillPager(pager, r, page)
  // The next frame (or a moment, in a background tab where frames wait).
  const frame = () => new Promise((resolve) => { requestAnimationFrame(() => resolve()); setTimeout(resolve, 100) })
  await frame()
  // For tests/ui/bench.js: when the list is on screen, and when all its rows are.
  performance.mark('csmock-ui:list-rendered')
  let more = []
  if (page.rows.length > FIRST_ROWS) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    if (!live()) return
    append(page.rows.slice(FIRST_ROWS))
  }
  try {
    more = await page.more
  } catch (error) {
    if (live()) ctx.fail(error)
  }
  if (!live()) return
  append(more)
  if (screen.rows.length === 0) {
    empty.hidden = false
    fill(empty, r.q ? `Nothing matches “${r.q}”.` : 'This folder is empty. Drop files here or use Upload.')
  }
  syncSelection()
  await frame()
  performance.mark('csmock-ui:list-complete')
}

function fillCrumbs (list, r, folder) {
  // Each link is also where dragged rows can be dropped.
  const link = (uid, name) => h('a', { href: folderHref(uid), dataset: { drop: uid || '', name } }, name)
  const items = [h('li', r.folder || r.q ? link('', 'Home') : h('span', { 'aria-current': 'page' }, 'Home'))]
  if (folder) {
    for (const step of folder.path || []) items.push(h('li', link(step.uid, step.name)))
    items.push(h('li', r.q ? link(folder.uid, folder.name) : h('span', { 'aria-current': 'page' }, folder.name)))
  } else if (r.folder) {
    items.push(h('li', h('span', '…')))
  }
  if (r.q) {
    items.push(h('li', h('span', { 'aria-current': 'page' }, `Search results for “${r.q}” in all folders`)))
    items.push(h('li.clear', h('a', { href: folderHref(r.folder) }, 'Clear search')))
  }
  fill(list, items)
}

function fillPager (pager, r, page) {
  pager.hidden = page.total === 0
  const last = Math.max(0, Math.ceil(page.total / PAGE_ROWS) - 1)
  const first = page.total ? page.start + 1 : 0
  const end = Math.min(page.total, page.start + PAGE_ROWS)
  const parts = [h('span.range', `${count(first)}–${count(end)} of ${plural(page.total, 'item')}`)]
  if (last > 0) {
    parts.push(r.page > 0
      ? h('a.button.secondary', { href: folderHref(r.folder, { q: r.q, page: r.page - 1 }) }, 'Previous page')
      : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Previous page'))
    parts.push(h('span.page', `Page ${r.page + 1} of ${last + 1}`))
    parts.push(r.page < last
      ? h('a.button.secondary', { href: folderHref(r.folder, { q: r.q, page: r.page + 1 }) }, 'Next page')
      : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Next page'))
  }
  fill(pager, parts)
}

// A list thumbnail through the Image Delivery API: an 80 px square (sharp at 2x), as
// WebP where the browser takes it, instead of the whole file.
function thumbnailUrl (url) {
  return `${url}${url.includes('?') ? '&' : '?'}width=80&height=80&fit=crop&auto=webp`
}

function rowOf (item) {
  const label = labelOf(item)
  const box = h('input', { type: 'checkbox', 'aria-label': `Select ${label}`, checked: selection.has(item.uid), dataset: { uid: item.uid } })
  let thumb
  if (item.is_dir) thumb = h('span.icon.folder', { 'aria-hidden': 'true' })
  else if (isImage(item) && item.url) thumb = h('img', { src: thumbnailUrl(item.url), alt: '', loading: 'lazy', decoding: 'async', width: 40, height: 40 })
  else thumb = h('span.icon.file', { 'aria-hidden': 'true' }, (item.filename || '').split('.').pop().slice(0, 4).toUpperCase() || 'FILE')
  const link = item.is_dir
    ? h('a', { href: folderHref(item.uid) }, item.name)
    : h('a', { href: `#/asset/${enc(item.uid)}` }, label)
  const nameCell = h('td.name', link)
  if (!item.is_dir && item.filename && item.filename !== label) nameCell.append(h('span.sub', item.filename))
  // A folder's row takes dropped rows; every row can be dragged.
  return h('tr', { dataset: item.is_dir ? { uid: item.uid, drop: item.uid, name: label } : { uid: item.uid }, class: selection.has(item.uid) ? 'selected' : null, draggable: 'true' },
    h('td.check', box),
    h('td.thumb', thumb),
    nameCell,
    h('td.type', typeLabel(item)),
    h('td.size', item.is_dir ? '—' : formatSize(item.file_size)),
    h('td.updated', time(item.updated_at, { zone: false })),
    h('td.more', h('button.row-menu', { type: 'button', 'aria-label': `Actions for ${label}`, 'aria-haspopup': 'menu', 'aria-expanded': 'false' })))
}

/** Shows the notice an action resolved with (nothing when it was cancelled) and the list again. */
async function after (ctx, action, { clear = false } = {}) {
  let notice
  try {
    notice = await action
  } catch (error) {
    ctx.fail(error)
    return
  }
  if (!notice) return
  if (clear) { selection.clear(); capHit = false }
  notify(notice)
  // The list is rebuilt: the focus goes to its heading, not to the page's body.
  await ctx.refresh({ focus: true })
}

/** Row menus, and rows dragged onto a folder's row or a breadcrumb link. */
function wireMoves (section, tbody, ctx) {
  tbody.addEventListener('click', (e) => {
    const button = e.target.closest('button.row-menu')
    if (!button) return
    const item = entryOf(screen.byUid.get(button.closest('tr').dataset.uid))
    openMenu(button, [
      ['Rename', () => after(ctx, folders().then((m) => m.rename(ctx, item)))],
      ['Move', () => after(ctx, folders().then((m) => m.moveDialog(ctx, [item])), { clear: selection.has(item.uid) })],
      ['Delete', () => deleteItems(ctx, [item])]
    ])
  })
  tbody.addEventListener('dragstart', (e) => {
    const tr = e.target.closest && e.target.closest('tr[data-uid]')
    if (!tr) return
    const uid = tr.dataset.uid
    dragged = selection.has(uid) ? [...selection.values()] : [entryOf(screen.byUid.get(uid))]
    e.dataTransfer.setData(DRAG_TYPE, dragged.map((i) => i.uid).join(','))
    e.dataTransfer.effectAllowed = 'move'
  })
  const target = (e) => {
    const el = e.target.closest && e.target.closest('[data-drop]')
    const ours = dragged && e.dataTransfer && [...e.dataTransfer.types].includes(DRAG_TYPE)
    return ours && el && !dragged.some((i) => i.uid === el.dataset.drop) ? el : null
  }
  const unmark = () => { for (const el of section.querySelectorAll('.drop-target')) el.classList.remove('drop-target') }
  section.addEventListener('dragover', (e) => {
    const el = target(e)
    if (!el) return
    e.preventDefault()
    e.dataTransfer.dropEffect = 'move'
    if (!el.classList.contains('drop-target')) { unmark(); el.classList.add('drop-target') }
  })
  section.addEventListener('dragleave', (e) => { if (e.target.classList && e.target.classList.contains('drop-target')) unmark() })
  section.addEventListener('drop', (e) => {
    const el = target(e)
    if (!el) return
    e.preventDefault()
    unmark()
    const items = dragged
    dragged = null
    after(ctx, folders().then((m) => m.moveItems(ctx, items, el.dataset.drop, el.dataset.name)), { clear: items.some((i) => selection.has(i.uid)) })
  })
  section.addEventListener('dragend', () => { dragged = null; unmark() })
}

// ---- selection -------------------------------------------------------------------------

function select (item) {
  if (selection.has(item.uid)) return true
  if (selection.size >= MAX_SELECTION) {
    capHit = true
    return false
  }
  selection.set(item.uid, item)
  return true
}

function selectionPanel (ctx) {
  const tally = h('strong', '0 selected')
  const cap = h('span.cap', { 'aria-live': 'polite' })
  const remove = h('button.danger', { type: 'button', onclick: () => deleteItems(ctx, [...selection.values()]) }, 'Delete')
  const clear = h('button.secondary', {
    type: 'button',
    onclick: () => { selection.clear(); capHit = false; syncSelection(); screen.headerBox.focus() }
  }, 'Clear selection')
  // Folders are not published: the selection's assets are.
  const publishSelected = (unpublish) => () => {
    const items = [...selection.values()]
    const assets = items.filter((i) => !i.isDir)
    after(ctx, publishing().then((m) => m.publishDialog(ctx, assets, { unpublish, skipped: items.length - assets.length })))
  }
  const publish = h('button.secondary', { type: 'button', onclick: publishSelected(false) }, 'Publish')
  const unpublish = h('button.secondary', { type: 'button', onclick: publishSelected(true) }, 'Unpublish')
  const move = h('button.secondary', { type: 'button', onclick: () => after(ctx, folders().then((m) => m.moveDialog(ctx, [...selection.values()])), { clear: true }) }, 'Move')
  const el = h('section.selection', { role: 'region', 'aria-label': 'Selection', hidden: true },
    h('p', tally, cap), h('div.actions', clear, move, unpublish, publish, remove))
  return { el, tally, cap, remove, publish, unpublish }
}

/** Brings the checkboxes, the select-all box and the panel in line with the selection. */
function syncSelection () {
  if (!screen) return
  if (selection.size < MAX_SELECTION) capHit = false
  let onPage = 0
  for (const box of screen.tbody.querySelectorAll('input[type=checkbox]')) {
    const on = selection.has(box.dataset.uid)
    box.checked = on
    box.closest('tr').classList.toggle('selected', on)
    if (on) onPage++
  }
  const rows = screen.rows.length
  screen.headerBox.checked = onPage > 0
  screen.headerBox.indeterminate = onPage > 0 && onPage < rows
  screen.headerBox.disabled = rows === 0
  const { el, tally, cap, publish, unpublish } = screen.panel
  el.hidden = selection.size === 0
  let assets = 0
  for (const item of selection.values()) if (!item.isDir) assets++
  publish.disabled = unpublish.disabled = assets === 0
  document.body.classList.toggle('has-selection', selection.size > 0)
  tally.textContent = `${selection.size} selected`
  cap.textContent = capHit ? ` ${CAP_TEXT}` : ''
}

/**
 * Asks, then moves `items` ([{uid, label, isDir}]) to the trash with one bulk delete.
 * Resolves with the notice (null when cancelled); failures are shown as an error.
 */
export async function trashItems (ctx, items) {
  const stack = ctx.stack
  const noun = items.some((i) => i.isDir) ? 'item' : 'asset'
  const one = items.length === 1
  const confirmed = await confirmDialog({
    title: `Delete ${plural(items.length, noun)}?`,
    text: `${namesOf(items.map((i) => i.label))} ${one ? 'moves' : 'move'} to the trash${items.some((i) => i.isDir) ? ' (a folder with everything in it)' : ''}, where ${one ? 'it' : 'they'} ${restorableWithin()}.`
  })
  if (!confirmed) return null
  const result = await post('/v3/bulk/delete', { assets: items.map((i) => ({ uid: i.uid })) }, { stack })
  let job = null
  try {
    if (result && result.job_id) job = await get(`/v3/bulk/jobs/${enc(result.job_id)}`, { stack })
  } catch { /* the delete went through; its report is not needed to say so */ }
  const summary = (job && job.summary) || {}
  const moved = Number.isFinite(summary.success) ? summary.success : items.length
  const failed = (job && (job.failed_items || summary.failed_items)) || []
  if (failed.length) {
    showError(`${plural(failed.length, noun)} could not be deleted: ${[...new Set(failed.map((f) => f.error_message))].join(' ')}`)
  }
  return moved > 0 ? `${plural(moved, noun)} ${moved === 1 ? 'was' : 'were'} moved to the trash. ${moved === 1 ? 'It' : 'They'} ${restorableWithin()}.` : ''
}

async function deleteItems (ctx, items) {
  if (!items.length || !screen) return
  const { remove } = screen.panel
  remove.disabled = true
  let notice
  try {
    notice = await trashItems(ctx, items)
  } catch (error) {
    ctx.fail(error)
    return
  } finally {
    remove.disabled = false
  }
  if (notice === null) return
  for (const item of items) {
    const row = screen.tbody.querySelector(`tr[data-uid="${CSS.escape(item.uid)}"]`)
    if (row) row.remove()
    selection.delete(item.uid)
  }
  capHit = false
  syncSelection()
  if (notice) notify(notice)
  // The list is rebuilt; the focus goes to its heading, not to the page's body.
  await ctx.refresh({ focus: true })
}

// ---- upload --------------------------------------------------------------------------

function wireDrop (section, ctx, r) {
  let depth = 0
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files')
  section.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return
    e.preventDefault()
    depth++
    section.classList.add('dragging')
  })
  section.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return
    e.preventDefault()
    e.dataTransfer.dropEffect = 'copy'
  })
  section.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1)
    if (depth === 0) section.classList.remove('dragging')
  })
  section.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return
    e.preventDefault()
    depth = 0
    section.classList.remove('dragging')
    const files = [...e.dataTransfer.files]
    if (files.length) uploadFiles(ctx, files, r.folder)
  })
}

async function uploadFiles (ctx, files, folder) {
  const stack = ctx.stack
  const scope = selectionScope
  const list = uploads
  // A new batch clears the failures of the last one; finished rows leave on their own.
  for (const li of list.querySelectorAll('li.failed')) li.remove()
  const entries = files.map((file) => {
    const progress = h('progress', { max: 100, value: 0, 'aria-label': `Uploading ${file.name}` })
    const state = h('span.pct', '0%')
    const li = h('li', h('span.file', file.name), progress, state)
    list.append(li)
    return { file, progress, state, li }
  })
  list.hidden = false
  let uploaded = 0
  const errors = []
  for (const entry of entries) {
    try {
      await upload(stack, entry.file, folder, (loaded, total) => {
        const pct = total ? Math.round((loaded / total) * 100) : 100
        entry.progress.value = pct
        entry.state.textContent = `${pct}%`
      })
      uploaded++
      entry.li.classList.add('done')
      entry.state.textContent = 'Done'
      setTimeout(() => {
        entry.li.remove()
        list.hidden = list.children.length === 0
      }, DONE_ROW_MS)
    } catch (error) {
      entry.li.classList.add('failed')
      entry.state.textContent = 'Failed'
      errors.push(`${entry.file.name}: ${error.message}`)
    }
  }
  if (uploaded) notify(`Uploaded ${plural(uploaded, 'file')}.`)
  if (errors.length) showError(`${errors.length === 1 ? 'An upload' : `${errors.length} uploads`} failed. ${errors.join(' ')}`)
  // Show the new assets when their folder is still on screen.
  if (uploaded && document.body.dataset.screen === 'assets' && selectionScope === scope && stack === ctx.stack) {
    const wasOnInput = document.activeElement && document.activeElement.id === 'upload'
    await ctx.refresh()
    // The list was rebuilt with a new input: keep a keyboard user where they were.
    if (wasOnInput && document.activeElement === document.body) document.getElementById('upload').focus()
  }
}

