// The Trash screen: deleted assets and folders of the stack, newest (or oldest) first,
// with who deleted them and when, the time left before the purge; Restore / Restore
// without assets (folders with something inside) / Delete permanently per row or for a
// selection (its own floating panel), and Empty trash.

import { get, post, del } from './api.js'
import { h, fill, time, plural, count, notify, showError, who, confirmDialog, namesOf, restorableWithin } from './dom.js'

const PAGE = 100
const DAY = 86400000
const HOUR = 3600000
const enc = encodeURIComponent

/** "14 days left", "5 hours left", "Purge due", counted on the stack's clock. */
export function timeLeft (purgeAt, now) {
  const ms = Date.parse(purgeAt) - Date.parse(now)
  if (!(ms > 0)) return 'Purge due'
  if (ms >= DAY) return `${plural(Math.ceil(ms / DAY), 'day')} left`
  return `${plural(Math.ceil(ms / HOUR), 'hour')} left`
}

const labelOf = (item) => item.type === 'folder' ? item.name : (item.title || item.filename)

/** The trash selection, uid -> item; one page of one stack's trash. */
const selected = new Map()
let selectedScope = null

function trashHref (page, oldest) {
  const params = new URLSearchParams()
  if (page > 0) params.set('page', String(page + 1))
  if (oldest) params.set('order', 'oldest')
  const search = params.toString()
  return `#/trash${search ? '?' + search : ''}`
}

/**
 * Restores `items` one by one, folders before what was inside them; resolves with the
 * count restored and the failures' messages.
 */
async function restoreAll (base, items, withAssets = true) {
  const left = [...items]
  const failed = []
  let restored = 0
  while (left.length) {
    // An item whose folder is also waiting goes after that folder.
    const waiting = new Set(left.map((i) => i.uid))
    const index = Math.max(0, left.findIndex((i) => !waiting.has(i.parent_uid)))
    const [item] = left.splice(index, 1)
    try {
      await post(`${base}/trash/${enc(item.uid)}/restore`, item.type === 'folder' && !withAssets ? { with_assets: false } : {})
      restored++
    } catch (error) {
      failed.push(`“${labelOf(item)}”: ${error.message}`)
    }
  }
  return { restored, failed }
}

export async function renderTrash (main, ctx, r, live) {
  const stack = ctx.stack
  const base = `/_mock/stacks/${enc(stack.api_key)}`
  const scope = `${stack.api_key}|${r.page}|${r.oldest}`
  if (scope !== selectedScope) {
    selected.clear()
    selectedScope = scope
  }
  const tbody = h('tbody')
  const intro = h('p.muted', `Deleted assets and folders ${restorableWithin()}, then they are purged for good. Times are the stack clock’s (UTC).`)
  const loading = h('p.loading', 'Loading…')
  const empty = h('p.empty', { hidden: true }, 'The trash is empty.')
  const pager = h('nav.pager', { 'aria-label': 'Pages', hidden: true })
  const emptyButton = h('button.danger', { type: 'button' }, 'Empty trash')
  const headerBox = h('input', { type: 'checkbox', 'aria-label': 'Select all' })
  const tally = h('strong', '0 selected')
  const panelRestore = h('button', { type: 'button' }, 'Restore')
  const panelDelete = h('button.danger', { type: 'button' }, 'Delete permanently')
  const panel = h('section.selection', { role: 'region', 'aria-label': 'Trash selection', hidden: true },
    h('p', tally),
    h('div.actions', h('button.secondary', { type: 'button', onclick: () => { selected.clear(); sync(); headerBox.focus() } }, 'Clear selection'), panelRestore, panelDelete))
  // Both orders are by delete time: every item is kept equally long, so the one deleted
  // first is purged first.
  const sortButton = (text) => h('button.sort', { type: 'button', onclick: () => { location.hash = trashHref(0, !r.oldest) } }, text)
  const sort = r.oldest ? 'ascending' : 'descending'

  fill(main, h('section.trash-screen', { 'aria-labelledby': 'trash-h' },
    h('div.toolbar', h('h1#trash-h', { tabindex: -1 }, 'Trash'), emptyButton),
    intro,
    panel,
    loading,
    h('div.table-wrap', h('table.list.trash',
      h('caption.sr-only', r.oldest ? 'Trash, oldest first' : 'Trash, newest first'),
      h('thead', h('tr',
        h('th.check', { scope: 'col' }, headerBox),
        h('th', { scope: 'col' }, 'Name'),
        h('th.when', { scope: 'col', 'aria-sort': sort }, sortButton('Deleted (UTC)')),
        h('th.left', { scope: 'col', 'aria-sort': sort }, sortButton('Purge')),
        h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody)),
    empty,
    pager))

  let items = []
  function sync () {
    let on = 0
    for (const box of tbody.querySelectorAll('input[type=checkbox]')) {
      box.checked = selected.has(box.dataset.uid)
      box.closest('tr').classList.toggle('selected', box.checked)
      if (box.checked) on++
    }
    headerBox.checked = on > 0
    headerBox.indeterminate = on > 0 && on < items.length
    headerBox.disabled = items.length === 0
    panel.hidden = selected.size === 0
    document.body.classList.toggle('has-selection', selected.size > 0)
    tally.textContent = `${selected.size} selected`
  }

  /** Runs one action, then shows its notice and the trash again. */
  async function act (button, work) {
    const buttons = main.querySelectorAll('button')
    for (const b of buttons) b.disabled = true
    let message
    try {
      message = await work()
    } catch (error) {
      for (const b of buttons) b.disabled = false
      ctx.fail(error)
      button.focus()
      return
    }
    if (message === null) {
      for (const b of buttons) b.disabled = false
      return
    }
    notify(message)
    await ctx.refresh({ focus: true })
  }

  emptyButton.addEventListener('click', () => act(emptyButton, async () => {
    const body = await del(`${base}/trash`)
    const n = (body.purged || []).length
    return n ? `The trash was emptied: ${plural(n, 'item')} deleted permanently.` : 'The trash was already empty.'
  }))
  panelRestore.addEventListener('click', () => act(panelRestore, async () => {
    const chosen = [...selected.values()]
    const { restored, failed } = await restoreAll(base, chosen)
    selected.clear()
    if (failed.length) showError(`${plural(failed.length, 'item')} could not be restored. ${failed.join(' ')}`)
    return restored ? `${plural(restored, 'item')} ${restored === 1 ? 'was' : 'were'} restored.` : ''
  }))
  panelDelete.addEventListener('click', () => act(panelDelete, async () => {
    const chosen = [...selected.values()]
    const sure = await confirmDialog({
      title: `Delete ${plural(chosen.length, 'item')} permanently?`,
      text: `${namesOf(chosen.map(labelOf))} ${chosen.length === 1 ? 'is' : 'are'} deleted for good, with ${chosen.length === 1 ? 'its' : 'their'} files and versions. This cannot be undone.`,
      confirm: 'Delete permanently'
    })
    if (!sure) return null
    const failed = []
    for (const item of chosen) {
      try {
        await del(`${base}/trash/${enc(item.uid)}`)
      } catch (error) {
        failed.push(`“${labelOf(item)}”: ${error.message}`)
      }
    }
    selected.clear()
    if (failed.length) showError(`${plural(failed.length, 'item')} could not be deleted. ${failed.join(' ')}`)
    const done = chosen.length - failed.length
    return done ? `${plural(done, 'item')} ${done === 1 ? 'was' : 'were'} deleted permanently.` : ''
  }))
  tbody.addEventListener('change', (e) => {
    const box = e.target
    const item = items.find((i) => i.uid === box.dataset.uid)
    if (!item) return
    if (box.checked) selected.set(item.uid, item)
    else selected.delete(item.uid)
    sync()
  })
  headerBox.addEventListener('change', () => {
    for (const item of items) {
      if (headerBox.checked) selected.set(item.uid, item)
      else selected.delete(item.uid)
    }
    sync()
  })
  sync()

  let list, clock
  try {
    [list, clock] = await Promise.all([
      get(`${base}/trash`, { params: { skip: r.page * PAGE, limit: PAGE, asc: r.oldest ? 'deleted_at' : undefined } }),
      get(`${base}/clock`)
    ])
  } catch (error) {
    if (!live()) return
    loading.remove()
    fill(empty, 'The trash could not be loaded. ', h('button.link-button', { type: 'button', onclick: () => ctx.refresh() }, 'Try again'), '.')
    empty.hidden = false
    throw error
  }
  if (!live()) return
  loading.remove()
  items = list.items || []
  const total = list.count ?? items.length
  for (const uid of [...selected.keys()]) if (!items.some((i) => i.uid === uid)) selected.delete(uid)
  const rows = document.createDocumentFragment()
  for (const item of items) {
    const label = labelOf(item)
    const folder = item.type === 'folder'
    const actions = [
      h('button', {
        type: 'button',
        onclick: (e) => act(e.currentTarget, async () => {
          const body = await post(`${base}/trash/${enc(item.uid)}/restore`, {})
          return `${body.notice} “${label}” is back${folder && item.items ? ' with its contents' : ''}.`
        })
      }, 'Restore')
    ]
    // Only a folder with something inside can come back without it.
    if (folder && item.items > 0) {
      actions.push(h('button.secondary', {
        type: 'button',
        onclick: (e) => act(e.currentTarget, async () => {
          const body = await post(`${base}/trash/${enc(item.uid)}/restore`, { with_assets: false })
          return `${body.notice} “${label}” is back without its assets; they stay in the trash.`
        })
      }, 'Restore without assets'))
    }
    actions.push(h('button.danger', {
      type: 'button',
      onclick: (e) => act(e.currentTarget, async () => {
        await del(`${base}/trash/${enc(item.uid)}`)
        return `“${label}” was deleted permanently.`
      })
    }, 'Delete permanently'))
    rows.append(h('tr', { dataset: { uid: item.uid } },
      h('td.check', h('input', { type: 'checkbox', 'aria-label': `Select ${label}`, dataset: { uid: item.uid } })),
      h('td.name', h('div.name-cell',
        h('span', { class: folder ? 'icon folder' : 'icon file', 'aria-hidden': 'true' }, folder ? '' : (item.filename || '').split('.').pop().slice(0, 4).toUpperCase()),
        h('span.label', label,
          folder ? h('span.sub', `Folder, ${plural(item.items || 0, 'item')} inside`) : (item.filename && item.filename !== label ? h('span.sub', item.filename) : null)))),
      h('td.when', time(item.deleted_at, { zone: false }), h('span.sub', 'by ', who(item.deleted_by))),
      h('td.left', h('time', { datetime: item.purge_at, title: `Purged at ${item.purge_at}` }, timeLeft(item.purge_at, clock.now))),
      h('td.actions', h('div.action-cell', actions))))
  }
  tbody.replaceChildren(rows)
  sync()
  empty.hidden = items.length > 0
  if (!items.length && r.page > 0 && total > 0) {
    location.hash = trashHref(0, r.oldest)
    return
  }
  fillPager(pager, r, total, items.length)
}

function fillPager (pager, r, total, shown) {
  pager.hidden = total <= PAGE
  if (pager.hidden) return
  const last = Math.ceil(total / PAGE) - 1
  const start = r.page * PAGE
  fill(pager,
    h('span.range', `${count(start + 1)}–${count(start + shown)} of ${plural(total, 'item')}`),
    r.page > 0 ? h('a.button.secondary', { href: trashHref(r.page - 1, r.oldest) }, 'Previous page') : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Previous page'),
    h('span.page', `Page ${r.page + 1} of ${last + 1}`),
    r.page < last ? h('a.button.secondary', { href: trashHref(r.page + 1, r.oldest) }, 'Next page') : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Next page'))
}
