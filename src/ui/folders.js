// Folders: make one, rename a folder or an asset, and move folders and assets, chosen in
// a folder tree (a dialog) or dropped on a folder.

import { get, post, put } from './api.js'
import { h, formDialog, field, plural, namesOf, showError } from './dom.js'

const enc = encodeURIComponent
/** Folders the tree lists at most (a stack may have 10,000). */
const MAX_FOLDERS = 2000

/** Makes a folder in `parentUid` (the root when empty); resolves with the notice, or null. */
export function newFolder (ctx, parentUid) {
  const name = field('Folder name', { maxlength: 255 })
  return formDialog({
    title: 'New folder',
    fields: name.el,
    submit: 'Create',
    onSubmit: async () => {
      const value = name.input.value.trim()
      if (!value) throw new Error('Enter a name for the folder.')
      const body = await post('/v3/assets/folders', { asset: { name: value, parent_uid: parentUid || undefined } }, { stack: ctx.stack })
      return `${body.notice} “${value}” is ready.`
    }
  })
}

/** Renames a folder, or retitles an asset (`item`: {uid, label, isDir}). */
export function rename (ctx, item) {
  const name = field('Name', { value: item.label, maxlength: 255 })
  return formDialog({
    title: `Rename ${item.isDir ? 'folder' : 'asset'}`,
    fields: name.el,
    submit: 'Save',
    onSubmit: async () => {
      const value = name.input.value.trim()
      if (!value) throw new Error('Enter a name.')
      if (item.isDir) await put(`/v3/assets/folders/${enc(item.uid)}`, { asset: { name: value } }, { stack: ctx.stack })
      else await put(`/v3/assets/${enc(item.uid)}`, { asset: { title: value } }, { stack: ctx.stack })
      return `“${item.label}” is now “${value}”.`
    }
  })
}

/** Every folder of the stack (up to MAX_FOLDERS), by name. */
async function allFolders (stack) {
  const folders = []
  const params = { include_folders: true, query: JSON.stringify({ is_dir: true }), asc: 'name', limit: 100 }
  for (let skip = 0; skip < MAX_FOLDERS; skip += 100) {
    const body = await get('/v3/assets', { stack, params: { ...params, skip } })
    folders.push(...body.assets)
    if (body.assets.length < 100) break
  }
  return folders
}

/**
 * Moves `items` ([{uid, label, isDir, parent}]) into `target` (a folder uid, '' for the
 * root), a few calls at a time. Resolves with the notice; failures are shown as an error.
 */
export async function moveItems (ctx, items, target, targetName) {
  const stack = ctx.stack
  const parent_uid = target || 'cs_root'
  const todo = items.filter((i) => (i.parent || '') !== target && i.uid !== target)
  const failed = []
  let next = 0
  const worker = async () => {
    while (next < todo.length) {
      const item = todo[next++]
      const path = item.isDir ? `/v3/assets/folders/${enc(item.uid)}` : `/v3/assets/${enc(item.uid)}`
      try {
        await put(path, { asset: { parent_uid } }, { stack })
      } catch (error) {
        failed.push(`“${item.label}”: ${error.message}`)
      }
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  const moved = todo.length - failed.length
  if (failed.length) {
    const message = `${plural(failed.length, 'item')} could not be moved. ${failed.join(' ')}`
    if (!moved) throw new Error(message)
    showError(message)
  }
  if (!todo.length) return `${namesOf(items.map((i) => i.label))} ${items.length === 1 ? 'is' : 'are'} already in ${targetName}.`
  return `Moved ${moved === 1 && todo.length === 1 ? `“${todo[0].label}”` : plural(moved, 'item')} to ${targetName}.`
}

/**
 * The move dialog: the folder tree (Home for the root), where the moved folders and
 * what is inside them cannot be chosen, and Move here. Resolves with the notice, or null.
 */
export async function moveDialog (ctx, items) {
  const folders = await allFolders(ctx.stack)
  const children = new Map()
  for (const f of folders) {
    const key = f.parent_uid || ''
    if (!children.has(key)) children.set(key, [])
    children.get(key).push(f)
  }
  const moving = new Set(items.filter((i) => i.isDir).map((i) => i.uid))
  const nodes = []
  const node = (uid, name, level, disabled) => {
    const el = h('div.treeitem', { role: 'treeitem', 'aria-level': level, 'aria-selected': 'false', 'aria-disabled': disabled ? 'true' : null, tabindex: -1, dataset: { uid } }, name)
    el.style.setProperty('--level', level - 1)
    nodes.push(el)
  }
  node('', 'Home', 1, false)
  const walk = (parent, level, disabled) => {
    for (const f of children.get(parent) || []) {
      const off = disabled || moving.has(f.uid)
      node(f.uid, f.name, level, off)
      walk(f.uid, level + 1, off)
    }
  }
  walk('', 2, false)
  nodes[0].tabIndex = 0
  let chosen = null
  const choose = (el) => {
    if (!el || el.getAttribute('aria-disabled') === 'true') return
    for (const n of nodes) {
      n.setAttribute('aria-selected', String(n === el))
      n.tabIndex = n === el ? 0 : -1
    }
    chosen = el
    el.focus()
  }
  const tree = h('div.tree', { role: 'tree', 'aria-label': 'Folders' }, nodes)
  tree.addEventListener('click', (e) => choose(e.target.closest('[role=treeitem]')))
  tree.addEventListener('keydown', (e) => {
    const at = nodes.indexOf(document.activeElement)
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key]
    if (step) {
      e.preventDefault()
      let i = at + step
      while (nodes[i] && nodes[i].getAttribute('aria-disabled') === 'true') i += step
      if (nodes[i]) { nodes[at].tabIndex = -1; nodes[i].tabIndex = 0; nodes[i].focus() }
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault()
      if (e.key === 'Enter' && chosen === nodes[at]) tree.closest('form').requestSubmit()
      else choose(nodes[at])
    }
  })
  const more = folders.length >= MAX_FOLDERS ? h('p.hint', `The first ${MAX_FOLDERS} folders are listed.`) : null
  return formDialog({
    title: `Move ${items.length === 1 ? `“${items[0].label}”` : plural(items.length, 'item')}`,
    fields: [tree, more],
    submit: 'Move here',
    className: 'move-dialog',
    onSubmit: () => {
      if (!chosen) throw new Error('Choose the folder to move to.')
      return moveItems(ctx, items, chosen.dataset.uid, chosen.textContent)
    }
  })
}
