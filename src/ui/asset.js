// An asset's page: its preview and facts; edit title, description and tags; replace the
// file (with progress), download it, delete it to the trash; publish and unpublish; where
// it is published (environment names) or scheduled; its versions, which can be named.

import { get, post, put, sendFile, stackSettings, envName } from './api.js'
import { h, fill, formatSize, time, typeLabel, count, notify, who, formDialog, field } from './dom.js'
import { folderHref, labelOf, isImage, trashItems } from './assets.js'
import { publishDialog } from './publish.js'

const enc = encodeURIComponent

const splitTags = (text) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))]

export async function renderAsset (main, ctx, uid, live) {
  const stack = ctx.stack
  const heading = h('h1#asset-h', { tabindex: -1 }, 'Asset')
  const crumbs = h('ol', h('li', h('a', { href: '#/assets' }, 'Home')))
  const body = h('div.details', h('p.loading', 'Loading…'))
  fill(main, h('section.asset-screen', { 'aria-labelledby': 'asset-h' },
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, crumbs), heading, body))

  let asset, versions, settings, queue
  try {
    const [a, v, s, q] = await Promise.all([
      get(`/v3/assets/${enc(uid)}`, { stack, params: { include_path: true, include_dimension: true, relative_urls: true } }),
      get(`/v3/assets/${enc(uid)}/versions`, { stack, params: { include_count: true, limit: 100 } }),
      stackSettings(ctx),
      get('/v3/publish-queue', { stack, params: { limit: 100 } })
    ])
    asset = a.asset
    versions = v
    settings = s
    queue = (q.queue || []).filter((item) => item.entry && item.entry.uid === uid && item.publish_details.status === 'scheduled')
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
  const entry = { uid: asset.uid, label, isDir: false, parent: asset.parent_uid || '' }
  heading.textContent = label
  document.title = `${label} · contentstack-mock`
  for (const step of asset.path || []) crumbs.append(h('li', h('a', { href: folderHref(step.uid) }, step.name)))
  crumbs.append(h('li', h('span', { 'aria-current': 'page' }, label)))

  /** Runs an action that resolves with a notice (or null), then shows the page again. */
  const act = async (action) => {
    let notice
    try {
      notice = await action
    } catch (error) {
      ctx.fail(error)
      return
    }
    if (notice) {
      notify(notice)
      await ctx.refresh()
    }
  }

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
    ['Version', h('span#asset-version', String(asset._version))],
    ['Created', [time(asset.created_at), ' by ', who(asset.created_by)]],
    ['Updated', [time(asset.updated_at), ' by ', who(asset.updated_by)]]
  ].filter(Boolean)

  // ---- actions ----
  const fileInput = h('input', { type: 'file', hidden: true })
  const progress = h('p.replace-progress', { hidden: true })
  fileInput.addEventListener('change', () => {
    const file = fileInput.files[0]
    fileInput.value = ''
    if (!file) return
    const bar = h('progress', { max: 100, value: 0, 'aria-label': `Replacing with ${file.name}` })
    fill(progress, bar)
    progress.hidden = false
    act(sendFile(stack, 'PUT', `/v3/assets/${enc(uid)}`, file, null, (loaded, total) => {
      bar.value = total ? Math.round((loaded / total) * 100) : 100
    }).then((answer) => `Replaced the file of “${label}” with ${answer.asset.filename}: now version ${answer.asset._version}.`,
      (error) => { progress.hidden = true; throw error }))
  })
  const download = () => {
    const a = h('a', { href: asset.url, download: asset.filename, hidden: true })
    document.body.append(a)
    a.click()
    a.remove()
  }
  const toolbar = h('div.asset-actions',
    h('button', { type: 'button', onclick: () => act(publishDialog(ctx, [entry])) }, 'Publish'),
    h('button.secondary', { type: 'button', onclick: () => act(publishDialog(ctx, [entry], { unpublish: true })) }, 'Unpublish'),
    h('button.secondary', { type: 'button', onclick: () => fileInput.click() }, 'Replace file'),
    h('button.secondary', { type: 'button', onclick: download }, 'Download'),
    h('button.danger', {
      type: 'button',
      onclick: async () => {
        try {
          const notice = await trashItems(ctx, [entry])
          if (notice !== null) ctx.go(folderHref(entry.parent), notice)
        } catch (error) {
          ctx.fail(error)
        }
      }
    }, 'Delete'),
    fileInput)

  // ---- edit ----
  const title = field('Title', { value: asset.title || '', maxlength: 255 })
  const description = field('Description', { value: asset.description || '', rows: 3 }, 'textarea')
  const tags = field('Tags', { value: (asset.tags || []).join(', '), 'aria-describedby': 'tags-hint' })
  const save = h('button', { type: 'submit' }, 'Save')
  const form = h('form.edit', {
    onsubmit: (e) => {
      e.preventDefault()
      const changes = {}
      const t = title.input.value.trim()
      if (t && t !== (asset.title || '')) changes.title = t
      if (description.input.value !== (asset.description || '')) changes.description = description.input.value
      const list = splitTags(tags.input.value)
      if (list.join() !== (asset.tags || []).join()) changes.tags = list
      if (!Object.keys(changes).length) {
        notify('Nothing changed: there is nothing to save.')
        return
      }
      save.disabled = true
      act(put(`/v3/assets/${enc(uid)}`, { asset: changes }, { stack })
        .then((answer) => `Saved “${labelOf(answer.asset)}”: now version ${answer.asset._version}.`)
        .finally(() => { save.disabled = false }))
    }
  }, h('h2', 'Details'), title.el, description.el, tags.el, h('p.hint#tags-hint', 'Separated by commas.'), save)

  // ---- publishing ----
  const publish = asset.publish_details || []
  const publishView = publish.length
    ? h('div.table-wrap', h('table.list.compact',
      h('caption.sr-only', 'Publish status'),
      h('thead', h('tr', ['Environment', 'Locale', 'Version', 'Published (UTC)', 'By'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', publish.map((p) => h('tr',
        h('td', envName(settings, p.environment)), h('td', p.locale ?? ''), h('td', p.version ?? ''),
        h('td.when', p.time ? time(p.time, { zone: false }) : ''), h('td', who(p.user)))))))
    : h('p.not-published', 'Not published')
  const scheduled = queue.length
    ? h('ul.scheduled', { 'aria-label': 'Scheduled' }, queue.map((q) => h('li',
      `${q.action === 'unpublish' ? 'Unpublish from' : 'Publish to'} ${q.environment.map((e) => envName(settings, e)).join(', ')} (${q.locale.join(', ')}) at `,
      time(q.scheduled_at), ' on the stack clock')))
    : null

  // ---- versions ----
  const list = versions.versions || []
  const nameVersion = (v) => {
    const name = field('Version name', { value: (v._version_name && v._version_name.title) || '', maxlength: 255 })
    act(formDialog({
      title: `Name version ${v._version}`,
      fields: name.el,
      submit: 'Save',
      onSubmit: async () => {
        const text = name.input.value.trim()
        if (!text) throw new Error('Enter a name for the version.')
        await post(`/v3/assets/${enc(uid)}/versions/${v._version}/name`, { upload: { _version_name: text } }, { stack })
        return `Version ${v._version} is named “${text}”.`
      }
    }))
  }

  fill(body,
    toolbar,
    progress,
    h('div.details-grid',
      h('div',
        h('figure.preview', preview),
        h('dl.facts', facts.map(([k, v]) => [h('dt', k), h('dd', v)]))),
      form),
    h('section', { 'aria-labelledby': 'publish-h' }, h('h2#publish-h', 'Publish status'), publishView, scheduled),
    h('section', { 'aria-labelledby': 'versions-h' },
      h('h2#versions-h', `Versions (${count(versions.count ?? list.length)})`),
      h('div.table-wrap', h('table.list.compact.versions',
        h('caption.sr-only', 'Versions, newest first'),
        h('thead', h('tr', ['Version', 'Name', 'Updated (UTC)', 'By', ''].map((t) => h('th', { scope: 'col' }, t || h('span.sr-only', 'Actions'))))),
        h('tbody', list.map((v) => h('tr', { class: v._version === asset._version ? 'current' : null },
          h('td', `${v._version}${v._version === asset._version ? ' (current)' : ''}`),
          h('td', (v._version_name && v._version_name.title) || ''),
          h('td.when', time(v.updated_at, { zone: false })),
          h('td', who(v.updated_by)),
          h('td.more', h('button.link-button', { type: 'button', 'aria-label': `Name version ${v._version}`, onclick: () => nameVersion(v) }, 'Name')))))))))
}
