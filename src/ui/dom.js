// DOM helpers, formatting, and the page's notices (role=status), errors (role=alert)
// and confirmation dialog.

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

// ---- notices and errors -------------------------------------------------------------

const statusEl = () => document.getElementById('status')
const alertBox = () => document.getElementById('alert-box')

/** Shows a notice in the page's role=status region. */
export function notify (message) {
  statusEl().textContent = message
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

// ---- confirmation -----------------------------------------------------------------

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

/** True while a modal dialog is open. */
export const dialogOpen = () => Boolean(document.querySelector('dialog[open]'))
