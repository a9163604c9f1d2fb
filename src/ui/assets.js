// The Assets screen: folders and assets of a folder (or search results), paging, upload
// (file input and drag and drop, with progress), the selection with its floating panel,
// bulk delete to the trash; and an asset's details with its versions and publish status.

import { get, post, upload } from './api.js'
import { h, fill, formatSize, time, typeLabel, plural, count, notify, showError, confirmDialog } from './dom.js'

/** Rows on one page: folders first, then assets, fetched 100 at a time. */
export const PAGE_ROWS = 250
const API_LIMIT = 100
/** Contentstack's cap on one bulk delete, and so on the selection. */
export const MAX_SELECTION = 100
export const CAP_TEXT = 'You can select and delete up to 100 assets at a time.'
const FOLDER_CAP = 300
/** Rows rendered before the first paint (more than a tall screen shows). */
const FIRST_ROWS = 24

/** Selected items, uid -> { uid, label, isDir }; kept across pages of one listing. */
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
const labelOf = (item) => item.is_dir ? item.name : (item.title || item.filename)
const isImage = (item) => /^image\//.test(item.content_type || '')

function folderHref (folder, { q = '', page = 0 } = {}) {
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
          h('th.updated', { scope: 'col' }, 'Updated (UTC)'))),
        tbody)),
    empty,
    pager,
    dropNote)
  fill(main, section)
  fillCrumbs(crumbs, r, null)
  wireDrop(section, ctx, r)

  screen = { rows: [], byUid: new Map(), tbody, headerBox, panel, scope }
  tbody.addEventListener('change', (e) => {
    const box = e.target
    if (!box.matches('input[type=checkbox]')) return
    const item = screen.byUid.get(box.dataset.uid)
    if (!item) return
    if (box.checked) {
      if (!select(item)) box.checked = false
    } else {
      selection.delete(item.uid)
    }
    syncSelection()
  })
  headerBox.addEventListener('change', () => {
    if (headerBox.checked) {
      for (const item of screen.rows) if (!select(item)) break
    } else {
      for (const item of screen.rows) selection.delete(item.uid)
    }
    syncSelection()
  })
  section.addEventListener('keydown', (e) => {
    if (e.key === 'Delete' && selection.size && e.target.closest('table')) {
      e.preventDefault()
      deleteSelected(ctx)
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
  const items = [h('li', r.folder || r.q ? h('a', { href: '#/assets' }, 'Home') : h('span', { 'aria-current': 'page' }, 'Home'))]
  if (folder) {
    for (const step of folder.path || []) items.push(h('li', h('a', { href: folderHref(step.uid) }, step.name)))
    items.push(h('li', r.q ? h('a', { href: folderHref(folder.uid) }, folder.name) : h('span', { 'aria-current': 'page' }, folder.name)))
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
  return h('tr', { dataset: { uid: item.uid }, class: selection.has(item.uid) ? 'selected' : null },
    h('td.check', box),
    h('td.thumb', thumb),
    nameCell,
    h('td.type', typeLabel(item)),
    h('td.size', item.is_dir ? '—' : formatSize(item.file_size)),
    h('td.updated', time(item.updated_at, { zone: false })))
}

// ---- selection -------------------------------------------------------------------------

function select (item) {
  if (selection.has(item.uid)) return true
  if (selection.size >= MAX_SELECTION) {
    capHit = true
    return false
  }
  selection.set(item.uid, { uid: item.uid, label: labelOf(item), isDir: Boolean(item.is_dir) })
  return true
}

function selectionPanel (ctx) {
  const tally = h('strong', '0 selected')
  const cap = h('span.cap', { 'aria-live': 'polite' })
  const remove = h('button.danger', { type: 'button', onclick: () => deleteSelected(ctx) }, 'Delete')
  const clear = h('button.secondary', {
    type: 'button',
    onclick: () => { selection.clear(); capHit = false; syncSelection(); screen.headerBox.focus() }
  }, 'Clear selection')
  const el = h('section.selection', { role: 'region', 'aria-label': 'Selection', hidden: true },
    h('p', tally, cap), h('div.actions', clear, remove))
  return { el, tally, cap, remove }
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
  const { el, tally, cap } = screen.panel
  el.hidden = selection.size === 0
  document.body.classList.toggle('has-selection', selection.size > 0)
  tally.textContent = `${selection.size} selected`
  cap.textContent = capHit ? ` ${CAP_TEXT}` : ''
}

/** Retention as words, from a trash item: "14 days". */
function retentionOf (item) {
  if (!item) return null
  const ms = Date.parse(item.purge_at) - Date.parse(item.deleted_at)
  if (!(ms > 0)) return null
  const day = 86400000
  const hour = 3600000
  if (ms % day === 0) return plural(ms / day, 'day')
  if (ms % hour === 0) return plural(ms / hour, 'hour')
  return plural(Math.round(ms / 60000), 'minute')
}

async function deleteSelected (ctx) {
  const stack = ctx.stack
  const items = [...selection.values()]
  if (!items.length || !screen) return
  const { remove } = screen.panel
  const noun = items.some((i) => i.isDir) ? 'item' : 'asset'
  const one = items.length === 1
  const confirmed = await confirmDialog({
    title: `Delete ${plural(items.length, noun)}?`,
    text: `${one ? `“${items[0].label}” moves` : 'They move'} to the trash${items.some((i) => i.isDir) ? ' (a folder with everything in it)' : ''}, where ${one ? 'it' : 'they'} can be restored until the retention ends (14 days by default).`
  })
  if (!confirmed) return
  remove.disabled = true
  let result
  try {
    result = await post('/v3/bulk/delete', { assets: items.map((i) => ({ uid: i.uid })) }, { stack })
  } catch (error) {
    remove.disabled = false
    ctx.fail(error)
    return
  }
  const [job, trash] = await Promise.allSettled([
    result && result.job_id ? get(`/v3/bulk/jobs/${enc(result.job_id)}`, { stack }) : Promise.reject(new Error('no job')),
    get(`/_mock/stacks/${enc(stack.api_key)}/trash`, { params: { limit: 1 } })
  ])
  const summary = job.status === 'fulfilled' ? (job.value.summary || {}) : {}
  const moved = Number.isFinite(summary.success) ? summary.success : items.length
  const failed = job.status === 'fulfilled' ? (job.value.failed_items || summary.failed_items || []) : []
  const retention = (trash.status === 'fulfilled' && retentionOf((trash.value.items || [])[0])) || '14 days'

  for (const item of items) {
    const row = screen.tbody.querySelector(`tr[data-uid="${CSS.escape(item.uid)}"]`)
    if (row) row.remove()
  }
  selection.clear()
  capHit = false
  syncSelection()
  if (moved > 0) {
    notify(`${plural(moved, noun)} ${moved === 1 ? 'was' : 'were'} moved to the trash. ${moved === 1 ? 'It' : 'They'} can be restored within ${retention}.`)
  }
  if (failed.length) {
    showError(`${plural(failed.length, noun)} could not be deleted: ${[...new Set(failed.map((f) => f.error_message))].join(' ')}`)
  }
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

// ---- details --------------------------------------------------------------------------

export async function renderAsset (main, ctx, uid, live) {
  const stack = ctx.stack
  const heading = h('h1#asset-h', { tabindex: -1 }, 'Asset')
  const crumbs = h('ol', h('li', h('a', { href: '#/assets' }, 'Home')))
  const body = h('div.details', h('p.loading', 'Loading…'))
  fill(main, h('section.asset-screen', { 'aria-labelledby': 'asset-h' },
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, crumbs), heading, body))

  let asset, versions
  try {
    const [a, v] = await Promise.all([
      get(`/v3/assets/${enc(uid)}`, { stack, params: { include_path: true, include_dimension: true, relative_urls: true } }),
      get(`/v3/assets/${enc(uid)}/versions`, { stack, params: { include_count: true, limit: API_LIMIT } })
    ])
    asset = a.asset
    versions = v
  } catch (error) {
    if (!live()) return
    fill(body, h('p', 'This asset could not be loaded. ', h('a', { href: '#/assets' }, 'Back to the root folder'), '.'))
    throw error
  }
  if (!live()) return
  if (asset.is_dir) {
    location.replace(folderHref(asset.uid))
    return
  }
  const label = labelOf(asset)
  heading.textContent = label
  document.title = `${label} · contentstack-mock`
  for (const step of asset.path || []) crumbs.append(h('li', h('a', { href: folderHref(step.uid) }, step.name)))
  crumbs.append(h('li', h('span', { 'aria-current': 'page' }, label)))

  let preview
  if (isImage(asset)) preview = h('img', { src: asset.url, alt: `Preview of ${label}` })
  else if (/^video\//.test(asset.content_type)) preview = h('video', { src: asset.url, controls: true, preload: 'metadata' })
  else preview = h('span.icon.file.big', { 'aria-hidden': 'true' }, (asset.filename || '').split('.').pop().slice(0, 4).toUpperCase())

  const facts = [
    ['Filename', asset.filename],
    ['Type', `${typeLabel(asset)} (${asset.content_type})`],
    ['Size', `${formatSize(asset.file_size)} (${count(Number(asset.file_size))} bytes)`],
    asset.dimension ? ['Dimensions', `${asset.dimension.width} × ${asset.dimension.height} px`] : null,
    ['UID', h('code', asset.uid)],
    ['Version', String(asset._version)],
    ['Created', [time(asset.created_at), ` by ${asset.created_by}`]],
    ['Updated', [time(asset.updated_at), ` by ${asset.updated_by}`]],
    ['Tags', (asset.tags || []).length ? asset.tags.join(', ') : 'None'],
    asset.description ? ['Description', asset.description] : null,
    ['File', h('a', { href: asset.url, target: '_blank', rel: 'noopener' }, 'Open the file')]
  ].filter(Boolean)

  const publish = asset.publish_details || []
  const publishView = publish.length
    ? h('table.list.compact',
      h('caption.sr-only', 'Publish status'),
      h('thead', h('tr', ['Environment', 'Locale', 'Version', 'Published (UTC)', 'By'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', publish.map((p) => h('tr',
        h('td', p.environment ?? ''), h('td', p.locale ?? ''), h('td', p.version ?? ''),
        h('td', p.time ? time(p.time, { zone: false }) : ''), h('td', p.user ?? '')))))
    : h('p.not-published', 'Not published')

  const list = versions.versions || []
  fill(body,
    h('div.details-grid',
      h('figure.preview', preview),
      h('dl.facts', facts.map(([k, v]) => [h('dt', k), h('dd', v)]))),
    h('section', { 'aria-labelledby': 'publish-h' }, h('h2#publish-h', 'Publish status'), publishView),
    h('section', { 'aria-labelledby': 'versions-h' },
      h('h2#versions-h', `Versions (${count(versions.count ?? list.length)})`),
      h('table.list.compact',
        h('caption.sr-only', 'Versions, newest first'),
        h('thead', h('tr', ['Version', 'Updated (UTC)', 'By'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', list.map((v) => h('tr', { class: v._version === asset._version ? 'current' : null },
          h('td', `${v._version}${v._version === asset._version ? ' (current)' : ''}`),
          h('td', time(v.updated_at, { zone: false })),
          h('td', v.updated_by)))))))
}

