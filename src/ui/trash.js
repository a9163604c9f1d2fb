// The Trash screen: deleted assets and folders of the stack, newest first, with who
// deleted them and when, the time left before the purge, and Restore / Restore without
// assets (folders) / Delete permanently / Empty trash.

import { get, post, del } from './api.js'
import { h, fill, time, plural, count, notify } from './dom.js'

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

function retentionText (item) {
  const ms = Date.parse(item.purge_at) - Date.parse(item.deleted_at)
  if (!(ms > 0)) return null
  return ms % DAY === 0 ? plural(ms / DAY, 'day') : ms % HOUR === 0 ? plural(ms / HOUR, 'hour') : plural(Math.round(ms / 60000), 'minute')
}

const labelOf = (item) => item.type === 'folder' ? item.name : (item.title || item.filename)

export async function renderTrash (main, ctx, r, live) {
  const stack = ctx.stack
  const base = `/_mock/stacks/${enc(stack.api_key)}`
  const tbody = h('tbody')
  const intro = h('p.muted', 'Deleted assets and folders stay here until their retention ends, then they are purged for good. Times are the stack clock’s (UTC).')
  const loading = h('p.loading', 'Loading…')
  const empty = h('p.empty', { hidden: true }, 'The trash is empty.')
  const pager = h('nav.pager', { 'aria-label': 'Pages', hidden: true })
  const emptyButton = h('button.danger', { type: 'button' }, 'Empty trash')

  fill(main, h('section.trash-screen', { 'aria-labelledby': 'trash-h' },
    h('div.toolbar', h('h1#trash-h', { tabindex: -1 }, 'Trash'), emptyButton),
    intro,
    loading,
    h('div.table-wrap', h('table.list.trash',
      h('caption.sr-only', 'Trash, newest first'),
      h('thead', h('tr',
        h('th', { scope: 'col' }, 'Name'),
        h('th.type', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col' }, 'Deleted (UTC)'),
        h('th.by', { scope: 'col' }, 'Deleted by'),
        h('th', { scope: 'col' }, 'Purge'),
        h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody)),
    empty,
    pager))

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
    notify(message)
    await ctx.refresh({ focus: true })
  }

  emptyButton.addEventListener('click', () => act(emptyButton, async () => {
    const body = await del(`${base}/trash`)
    const n = (body.purged || []).length
    return n ? `The trash was emptied: ${plural(n, 'item')} deleted permanently.` : 'The trash was already empty.'
  }))

  let list, clock
  try {
    [list, clock] = await Promise.all([
      get(`${base}/trash`, { params: { skip: r.page * PAGE, limit: PAGE } }),
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
  const items = list.items || []
  const total = list.count ?? items.length
  if (items.length) {
    const retention = retentionText(items[0])
    if (retention) intro.textContent = `Deleted assets and folders can be restored for ${retention}, then they are purged for good. Times are the stack clock’s (UTC).`
  }
  const rows = document.createDocumentFragment()
  for (const item of items) {
    const label = labelOf(item)
    const folder = item.type === 'folder'
    const actions = [
      h('button', {
        type: 'button',
        onclick: (e) => act(e.currentTarget, async () => {
          const body = await post(`${base}/trash/${enc(item.uid)}/restore`, {})
          return `${body.notice} “${label}” is back${folder ? ' with its contents' : ''}.`
        })
      }, 'Restore')
    ]
    if (folder) {
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
      h('td.name', h('div.name-cell',
        h('span', { class: folder ? 'icon folder' : 'icon file', 'aria-hidden': 'true' }, folder ? '' : (item.filename || '').split('.').pop().slice(0, 4).toUpperCase()),
        h('span.label', label,
          folder ? h('span.sub', `${plural(item.items || 0, 'item')} inside`) : (item.filename && item.filename !== label ? h('span.sub', item.filename) : null)))),
      h('td.type', folder ? 'Folder' : 'Asset'),
      h('td', time(item.deleted_at, { zone: false })),
      h('td.by', h('code', item.deleted_by)),
      h('td.left', h('time', { datetime: item.purge_at, title: `Purged at ${item.purge_at}` }, timeLeft(item.purge_at, clock.now))),
      h('td.actions', h('div.action-cell', actions))))
  }
  tbody.replaceChildren(rows)
  empty.hidden = items.length > 0
  if (!items.length && r.page > 0 && total > 0) {
    location.hash = '#/trash'
    return
  }
  fillPager(pager, r, total, items.length)
}

function fillPager (pager, r, total, shown) {
  pager.hidden = total <= PAGE
  if (pager.hidden) return
  const last = Math.ceil(total / PAGE) - 1
  const start = r.page * PAGE
  const href = (page) => `#/trash${page > 0 ? `?page=${page + 1}` : ''}`
  fill(pager,
    h('span.range', `${count(start + 1)}–${count(start + shown)} of ${plural(total, 'item')}`),
    r.page > 0 ? h('a.button.secondary', { href: href(r.page - 1) }, 'Previous page') : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Previous page'),
    h('span.page', `Page ${r.page + 1} of ${last + 1}`),
    r.page < last ? h('a.button.secondary', { href: href(r.page + 1) }, 'Next page') : h('span.button.secondary', { 'aria-disabled': 'true' }, 'Next page'))
}
