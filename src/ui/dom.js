// DOM helpers, formatting, people's names, and the page's notices (role=status), errors
// (role=alert), dialogs and menus.

const specs = new Map()

/** 'td.name#x' -> { tag: 'td', className: 'name', id: 'x' }, parsed once per spec. */
function parseSpec (spec) {
  let parsed = specs.get(spec)
  if (!parsed) {
    const [, tag, rest] = /^([a-z0-9]+)(.*)$/.exec(spec)
    const parts = rest.match(/[.#][^.#]+/g) || []
    parsed = {
      tag,
      className: parts.filter((p) => p[0] === '.').map((p) => p.slice(1)).join(' '),
      id: (parts.find((p) => p[0] === '#') || '').slice(1)
    }
    specs.set(spec, parsed)
  }
  return parsed
}

/** h('tag.class#id', {attrs}, ...children): builds an element. */
export function h (spec, attrs, ...children) {
  const { tag, className, id } = parseSpec(spec)
  const el = document.createElement(tag)
  if (className) el.className = className
  if (id) el.id = id
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs)
    attrs = null
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (key in el && typeof value !== 'string') el[key] = value
    else el.setAttribute(key, value === true ? '' : value)
  }
  append(el, children)
  return el
}

function append (el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else el.append(child instanceof Node ? child : String(child))
  }
}

export const $ = (selector, root = document) => root.querySelector(selector)

/** Replaces the children of `el`. */
export function fill (el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

const units = ['B', 'KB', 'MB', 'GB']

/** "12.3 KB" (file_size arrives as a string). */
export function formatSize (value) {
  let n = Number(value)
  if (!Number.isFinite(n)) return ''
  let unit = 0
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++ }
  return `${unit === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[unit]}`
}

const pad = (n) => String(n).padStart(2, '0')

/** "2026-12-02 00:46 UTC": every time shown is the stack clock's UTC. */
export function formatTime (iso, { seconds = false, zone = true } = {}) {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso || ''
  let text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  if (seconds) text += `:${pad(d.getUTCSeconds())}`
  return zone ? `${text} UTC` : text
}

/** A <time> element for an ISO timestamp. */
export const time = (iso, options) => h('time', { datetime: iso }, formatTime(iso, options))

/** "1,000": thousands grouped (without Intl, whose first use costs a first render dearly). */
export const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

export const plural = (n, one, many = one + 's') => `${count(n)} ${n === 1 ? one : many}`

/** A short name for a content type: "PNG image", "PDF", "Folder". */
export function typeLabel (item) {
  if (item.is_dir) return 'Folder'
  const ct = String(item.content_type || '')
  const [major, minor = ''] = ct.split(';')[0].split('/')
  const sub = minor.replace(/^(x-|vnd\.)/, '').replace(/\+xml$/, '').toUpperCase()
  if (['image', 'video', 'audio'].includes(major)) return `${sub} ${major}`
  if (major === 'text') return sub === 'PLAIN' ? 'Text' : `${sub} text`
  return sub || ct || 'File'
}

// ---- people and the retention ----------------------------------------------------

let user = { uid: '', name: '' }
let retentionSeconds = 14 * 86400

/** The chosen stack's user, whose id the API puts in created_by, updated_by, user... */
export function setStackUser (stack) {
  user = { uid: stack.user_uid || '', name: stack.user_name || '' }
  if (stack.trash_retention_seconds > 0) retentionSeconds = stack.trash_retention_seconds
}

/** A user id as a person: the stack user's display name (the id in a tooltip). */
export function who (id) {
  if (!id) return ''
  return id === user.uid && user.name ? h('span.person', { title: id }, user.name) : h('span.person', id)
}

/** "14 days", "36 hours", "5 minutes": a span of seconds in words. */
export function spanWords (seconds) {
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day')
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour')
  return plural(Math.max(1, Math.round(seconds / 60)), 'minute')
}

/** The one wording of the trash's promise: "can be restored within 14 days". */
export const restorableWithin = () => `can be restored within ${spanWords(retentionSeconds)}`

/** “A”, “B”, “C” and 97 more: the first few names of a list. */
export function namesOf (labels, shown = 3) {
  const quoted = labels.slice(0, shown).map((l) => `“${l}”`)
  const rest = labels.length - quoted.length
  if (rest > 0) return `${quoted.join(', ')} and ${count(rest)} more`
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted.join('')
}

// ---- notices and errors -------------------------------------------------------------

const statusEl = () => document.getElementById('status')
const alertBox = () => document.getElementById('alert-box')
/** How long a notice stays; errors stay until dismissed. */
const NOTICE_MS = 8000
let noticeTimer = 0

/** Shows a notice in the page's floating role=status region; it goes away on its own. */
export function notify (message) {
  clearTimeout(noticeTimer)
  statusEl().textContent = message
  if (message) noticeTimer = setTimeout(() => { statusEl().textContent = '' }, NOTICE_MS)
}

/** Shows an error in words in the page's role=alert region. */
export function showError (error) {
  const message = typeof error === 'string' ? error : (error && error.message) || 'Something went wrong.'
  document.getElementById('alert').textContent = message
  alertBox().hidden = false
}

export function clearError () {
  alertBox().hidden = true
  document.getElementById('alert').textContent = ''
}

export function clearNotices () {
  clearError()
  notify('')
}

// ---- dialogs --------------------------------------------------------------------------

/** Opens the confirmation dialog; resolves true when the user confirms. */
export function confirmDialog ({ title, text, confirm = 'Delete' }) {
  const dialog = document.getElementById('confirm')
  document.getElementById('confirm-title').textContent = title
  document.getElementById('confirm-text').textContent = text
  document.getElementById('confirm-ok').textContent = confirm
  dialog.returnValue = ''
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true })
    dialog.showModal()
    document.getElementById('confirm-cancel').focus()
  })
}

/**
 * A modal form named `title` holding `fields`, with Cancel and a `submit` button.
 * `onSubmit(form)` runs on submit; an error it throws is shown in the dialog (role=alert),
 * which stays open. Resolves with what `onSubmit` returned (true for nothing), or null
 * when cancelled. The focus goes back where it was.
 */
export function formDialog ({ title, fields, submit, onSubmit, className = '' }) {
  const error = h('p.dialog-error', { role: 'alert', hidden: true })
  const ok = h('button', { type: 'submit' }, submit)
  const cancel = h('button.secondary', { type: 'button' }, 'Cancel')
  const form = h('form', { novalidate: true }, h('h2', title), fields, error, h('div.actions', cancel, ok))
  const dialog = h('dialog.form-dialog', { 'aria-label': title, class: className || null }, form)
  const back = document.activeElement
  document.body.append(dialog)
  return new Promise((resolve) => {
    let result = null
    cancel.addEventListener('click', () => dialog.close())
    dialog.addEventListener('close', () => {
      dialog.remove()
      if (back && back.isConnected) back.focus()
      resolve(result)
    })
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      if (ok.disabled) return
      ok.disabled = true
      error.hidden = true
      try {
        const value = await onSubmit(form)
        result = value === undefined ? true : value
        dialog.close()
      } catch (err) {
        error.textContent = (err && err.message) || String(err)
        error.hidden = false
        ok.disabled = false
      }
    })
    dialog.showModal()
    const first = form.querySelector('input:not([type=hidden]):not([disabled]), textarea, select, [role=treeitem][tabindex="0"]')
    if (first) first.focus()
  })
}

/** A labelled text field for a dialog: `field('Name', { value })` -> [label, input]. */
let fieldIds = 0
export function field (label, attrs = {}, tag = 'input') {
  const id = `f${++fieldIds}`
  const { value = '', ...rest } = attrs
  const input = h(tag, { id, name: id, type: tag === 'input' ? 'text' : null, autocomplete: 'off', ...rest })
  input.value = value
  return { input, el: h('p.field', h('label', { for: id }, label), input) }
}

/** True while a modal dialog is open. */
export const dialogOpen = () => Boolean(document.querySelector('dialog[open]'))

// ---- menus -----------------------------------------------------------------------------

let openMenuEl = null

function closeMenu (refocus) {
  if (!openMenuEl) return
  const { el, button } = openMenuEl
  openMenuEl = null
  el.remove()
  button.setAttribute('aria-expanded', 'false')
  if (refocus) button.focus()
}

/** Opens a menu of `[label, action]` items under `button` (a menu button). */
export function openMenu (button, items) {
  const again = openMenuEl && openMenuEl.button === button
  closeMenu(false)
  if (again) return
  const buttons = items.map(([label, action]) => h('button.menuitem', {
    type: 'button',
    role: 'menuitem',
    tabindex: -1,
    onclick: () => { closeMenu(true); action() }
  }, label))
  const el = h('div.menu', { role: 'menu', 'aria-label': button.getAttribute('aria-label') }, buttons)
  document.body.append(el)
  const r = button.getBoundingClientRect()
  const up = r.bottom + el.offsetHeight > window.innerHeight
  el.style.top = `${up ? r.top - el.offsetHeight - 4 : r.bottom + 4}px`
  el.style.left = `${Math.max(4, r.right - el.offsetWidth)}px`
  button.setAttribute('aria-expanded', 'true')
  openMenuEl = { el, button }
  buttons[0].focus()
  el.addEventListener('keydown', (e) => {
    const at = buttons.indexOf(document.activeElement)
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[e.key]
    if (to !== undefined) {
      e.preventDefault()
      buttons[(to + buttons.length) % buttons.length].focus()
    } else if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      closeMenu(true)
    } else if (e.key === 'Tab') {
      closeMenu(false)
    }
  })
}

document.addEventListener('pointerdown', (e) => {
  if (openMenuEl && !openMenuEl.el.contains(e.target) && e.target !== openMenuEl.button) closeMenu(false)
})
window.addEventListener('hashchange', () => closeMenu(false))
