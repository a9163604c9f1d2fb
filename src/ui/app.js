// contentstack-mock's web UI: start-up, the stack picker, the admin-token prompt, the
// router (#/assets[/<folder>], #/asset/<uid>, #/trash, #/settings), the phone's menu
// button and the keyboard shortcut.

import { get, setAdminToken, forgetSettings } from './api.js'
import { h, fill, showError, clearError, clearNotices, notify, dialogOpen, setStackUser } from './dom.js'
import { renderAssets, resetSelection } from './assets.js'
import { initClock, loadClock } from './clock.js'

const STACK_KEY = 'csmock.ui.stack'
let pendingNotice = null
const main = document.getElementById('main')
const picker = document.getElementById('stack')

/** What every screen reaches: the chosen stack and a way to render again. */
const ctx = {
  stacks: [],
  stack: null,
  view: 0,
  /** True while the admin-token prompt stands in for every screen. */
  locked: false,
  /**
   * Renders the current route again (after a change, e.g. a delete or the clock);
   * `{ focus: true }` moves the focus to the new screen's heading at once.
   */
  refresh: ({ focus = false } = {}) => route({ focus }),
  /** Opens `hash` and shows `notice` there (a new screen clears the old one's notices). */
  go: (hash, notice) => {
    pendingNotice = notice
    if (location.hash === hash) route()
    else location.hash = hash
  },
  /** Handles a failed call: the admin-token prompt for a refused /_mock call, else an alert. */
  fail: (error) => {
    if (error && error.needsAdminToken) {
      setAdminToken('')
      tokenPrompt()
    } else {
      showError(error)
    }
  }
}

function remembered () {
  try { return localStorage.getItem(STACK_KEY) } catch { return null }
}

function remember (apiKey) {
  try { localStorage.setItem(STACK_KEY, apiKey) } catch { /* not kept */ }
}

/** Loads the stacks (with their credentials) into the picker. */
async function loadStacks () {
  const body = await get('/_mock/stacks')
  ctx.stacks = body.stacks || []
  const wanted = new URLSearchParams(location.search).get('stack')
  const keep = ctx.stack && ctx.stacks.find((s) => s.api_key === ctx.stack.api_key)
  ctx.stack = keep ||
    ctx.stacks.find((s) => s.api_key === wanted) ||
    ctx.stacks.find((s) => s.api_key === remembered()) ||
    ctx.stacks[0] || null
  if (ctx.stack) setStackUser(ctx.stack)
  fillPicker()
}

function fillPicker () {
  fill(picker, ctx.stacks.map((s) =>
    h('option', { value: s.api_key, selected: ctx.stack && s.api_key === ctx.stack.api_key }, `${s.name} (${s.api_key})`)))
  picker.disabled = ctx.stacks.length === 0
  if (ctx.stack) picker.value = ctx.stack.api_key
}

/** Picks up stacks created since the page loaded, without changing the choice. */
async function refreshStacks () {
  try {
    const body = await get('/_mock/stacks')
    const keys = (body.stacks || []).map((s) => s.api_key).join()
    if (keys !== ctx.stacks.map((s) => s.api_key).join()) {
      ctx.stacks = body.stacks || []
      if (ctx.stack && !ctx.stacks.some((s) => s.api_key === ctx.stack.api_key)) ctx.stack = ctx.stacks[0] || null
      if (ctx.stack) setStackUser(ctx.stack)
      fillPicker()
    }
  } catch (error) {
    ctx.fail(error)
  }
}

picker.addEventListener('focus', refreshStacks)
picker.addEventListener('change', () => {
  const next = ctx.stacks.find((s) => s.api_key === picker.value)
  if (!next) return
  ctx.stack = next
  setStackUser(next)
  remember(next.api_key)
  // A link with ?stack= names the stack: keep it naming the one on screen.
  if (new URLSearchParams(location.search).has('stack')) {
    history.replaceState(null, '', `?stack=${encodeURIComponent(next.api_key)}${location.hash}`)
  }
  resetSelection()
  clearNotices()
  loadClock(ctx)
  // Folders and assets belong to one stack: start at its root.
  if (['trash', 'settings'].includes(parseRoute().screen)) route({ focus: false })
  else if (location.hash === '#/assets') route({ focus: false })
  else location.hash = '#/assets'
})

// ---- routing -------------------------------------------------------------------------

function parseRoute () {
  const raw = location.hash.replace(/^#/, '')
  const [path, search = ''] = raw.split('?')
  const params = new URLSearchParams(search)
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p))
  const page = Math.max(0, (parseInt(params.get('page'), 10) || 1) - 1)
  if (parts[0] === 'trash') return { screen: 'trash', page, oldest: params.get('order') === 'oldest' }
  if (parts[0] === 'settings') return { screen: 'settings' }
  if (parts[0] === 'asset' && parts[1]) return { screen: 'asset', uid: parts[1] }
  return { screen: 'assets', folder: parts[0] === 'assets' && parts[1] ? parts[1] : null, q: params.get('q') || '', page }
}

const TITLES = { assets: 'Assets', asset: 'Assets', trash: 'Trash', settings: 'Settings' }

function markNav (screen) {
  for (const [id, on] of [['nav-assets', screen === 'assets' || screen === 'asset'], ['nav-trash', screen === 'trash'], ['nav-settings', screen === 'settings']]) {
    const link = document.getElementById(id)
    if (on) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
}

let lastHash = null

function route ({ focus = true } = {}) {
  if (ctx.locked) return
  if (!ctx.stack) return noStacks()
  const r = parseRoute()
  const view = ++ctx.view
  const live = () => view === ctx.view
  // Notices belong to the view they were shown on; a refresh of it keeps them.
  if (location.hash !== lastHash) {
    clearNotices()
    showMenu(false)
  }
  lastHash = location.hash
  // Environments and locales may have changed through the API: each screen asks again.
  forgetSettings()
  if (pendingNotice) notify(pendingNotice)
  pendingNotice = null
  markNav(r.screen)
  document.body.dataset.screen = r.screen
  document.body.classList.remove('has-selection')
  document.title = `${TITLES[r.screen]} · contentstack-mock`
  /** Starts a screen's render, which builds its heading at once, and focuses that heading. */
  const show = (render) => {
    const rendering = render()
    const heading = focus && main.querySelector('h1')
    if (heading) heading.focus({ preventScroll: false })
    return rendering
  }
  // The Assets screen is the first one shown: the others load when first opened.
  const done = r.screen === 'trash'
    ? import('./trash.js').then((m) => live() && show(() => m.renderTrash(main, ctx, r, live)))
    : r.screen === 'settings'
      ? import('./settings.js').then((m) => live() && show(() => m.renderSettings(main, ctx, live)))
      : r.screen === 'asset'
        ? import('./asset.js').then((m) => live() && show(() => m.renderAsset(main, ctx, r.uid, live)))
        : show(() => renderAssets(main, ctx, r, live))
  return Promise.resolve(done).catch(ctx.fail)
}

function noStacks () {
  fill(main, h('section.card',
    h('h1', { tabindex: -1 }, 'No stacks'),
    h('p', 'This mock has no stack. Create one with POST /_mock/stacks, or reset it with POST /_mock/reset, then reload.'),
    h('button', { type: 'button', onclick: () => start() }, 'Reload stacks')))
}

window.addEventListener('hashchange', () => route())

// ---- the phone's menu ------------------------------------------------------------------

const menuButton = document.getElementById('menu-button')

/** On a phone the navigation and the clock wait behind the Menu button. */
function showMenu (open) {
  menuButton.setAttribute('aria-expanded', String(open))
  document.body.classList.toggle('menu-open', open)
}

document.querySelector('.screens').addEventListener('click', () => showMenu(false))
menuButton.addEventListener('click', () => {
  const open = menuButton.getAttribute('aria-expanded') !== 'true'
  showMenu(open)
  if (open) document.querySelector('#side a[aria-current]')?.focus()
})
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.body.classList.contains('menu-open') && !dialogOpen()) {
    showMenu(false)
    menuButton.focus()
  }
})

// ---- admin token -----------------------------------------------------------------------

function tokenPrompt () {
  const input = h('input#admin-token', { type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' })
  const form = h('form.token-form',
    { onsubmit: async (e) => { e.preventDefault(); await useToken(input.value.trim(), input) } },
    h('label', { for: 'admin-token' }, 'Admin token'),
    input,
    h('button', { type: 'submit' }, 'Continue'))
  fill(main, h('section.card',
    h('h1', { tabindex: -1 }, 'Admin token needed'),
    h('p', 'This contentstack-mock was started with --admin-token: its /_mock API (stacks, trash, clock) needs that token. It is kept in this browser tab only (session storage).'),
    form))
  ctx.locked = true
  picker.disabled = true
  input.focus()
}

async function useToken (token, input) {
  if (!token) return
  setAdminToken(token)
  try {
    await loadStacks()
  } catch (error) {
    setAdminToken('')
    showError(error)
    input.select()
    return
  }
  ctx.locked = false
  clearError()
  loadClock(ctx)
  route()
}

// ---- keyboard --------------------------------------------------------------------------

const TEXT_INPUTS = new Set(['text', 'search', 'number', 'email', 'password', 'url', 'tel', 'date', 'datetime-local', 'month', 'time', 'week'])

function typingInto (el) {
  if (!el) return false
  if (el.isContentEditable) return true
  const tag = el.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  return tag === 'INPUT' && TEXT_INPUTS.has((el.getAttribute('type') || 'text').toLowerCase())
}

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return
  if (e.key !== 'a' && e.key !== 'A') return
  if (typingInto(e.target) || dialogOpen() || !ctx.stack || ctx.locked) return
  e.preventDefault()
  if (location.hash === '#/assets') route()
  else location.hash = '#/assets'
})

document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault()
  const heading = main.querySelector('h1')
  ;(heading || main).focus()
})

document.getElementById('alert-close').addEventListener('click', clearError)

// Files dropped outside the drop area must not replace the page.
for (const type of ['dragover', 'drop']) {
  window.addEventListener(type, (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) e.preventDefault() })
}

// A bug in the page is shown in words too, never as a blank screen.
window.addEventListener('error', (e) => showError(`Something went wrong in the page: ${e.message}`))
window.addEventListener('unhandledrejection', (e) => showError(`Something went wrong in the page: ${(e.reason && e.reason.message) || e.reason}`))

// ---- start -----------------------------------------------------------------------------

async function start () {
  fill(main, h('p.loading', 'Loading…'))
  try {
    await loadStacks()
  } catch (error) {
    if (error.needsAdminToken) return tokenPrompt()
    fill(main, h('section.card',
      h('h1', { tabindex: -1 }, 'The stacks could not be loaded'),
      h('p', error.message),
      h('button', { type: 'button', onclick: () => start() }, 'Try again')))
    showError(error)
    return
  }
  loadClock(ctx)
  route({ focus: false })
}

initClock(ctx)
start()
