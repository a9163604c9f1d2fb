// The Settings screen: the stack's environments (list, create, rename, delete), locales
// (list, add with a fallback, remove), delivery tokens (create with a scope, show the
// token with a copy button and a ready-to-paste `@contentstack/delivery-sdk` snippet for
// this host) and the management token with its `@contentstack/management` snippet.

import { get, post, put, del, stackSettings } from './api.js'
import { h, fill, time, notify, showError, who, formDialog, field, confirmDialog } from './dom.js'

const enc = encodeURIComponent
/** The delivery token whose value and snippet are shown (the newest made here). */
let shownToken = null

/** Where this page reached the mock: what an SDK on this machine needs. */
function hostParts () {
  const https = location.protocol === 'https:'
  return { host: location.hostname, port: Number(location.port) || (https ? 443 : 80), https }
}

const ipOrLocal = (host) => host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':')

export function deliverySnippet (apiKey, token, environment) {
  const { host, port, https } = hostParts()
  return `// npm install @contentstack/delivery-sdk
import contentstack from '@contentstack/delivery-sdk'

const stack = contentstack.stack({
  apiKey: '${apiKey}',
  deliveryToken: '${token}',
  environment: '${environment}',
  host: '${host}',
  port: ${port}${https ? '' : ',\n  insecure: true'}
})
const { assets } = await stack.asset().find()
`
}

export function managementSnippet (apiKey, token) {
  const { host, port, https } = hostParts()
  const warning = ipOrLocal(host)
    ? '// When it retries (a 429 or 5xx), the SDK refuses an IP address or localhost as\n// host: use a name that resolves to this machine (see docs/clients.md).\n'
    : ''
  return `// npm install @contentstack/management
import contentstack from '@contentstack/management'

${warning}const client = contentstack.client({ host: '${host}', port: ${port}${https ? '' : ', insecure: true'} })
const stack = client.stack({ api_key: '${apiKey}', management_token: '${token}' })
const { items } = await stack.asset().query().find()
`
}

/** A copy button for `text`; where the clipboard is refused, the text is selected instead. */
function copyButton (label, text, target) {
  return h('button.secondary', {
    type: 'button',
    'aria-label': label,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text)
        notify('Copied to the clipboard.')
      } catch {
        getSelection().selectAllChildren(target)
        showError('The browser did not allow copying: the text is selected, copy it with Ctrl+C (⌘C).')
      }
    }
  }, 'Copy')
}

const snippetBlock = (name, text) => {
  const code = h('code', text)
  return h('div.snippet', h('pre', { tabindex: 0, 'aria-label': name }, code), copyButton(`Copy the ${name}`, text, code))
}

function section (id, title, button, ...content) {
  return h('section.settings-part', { 'aria-labelledby': id },
    h('div.part-head', h(`h2#${id}`, title), button), ...content)
}

const table = (caption, heads, rows) => h('div.table-wrap', h('table.list.compact.settings-table',
  h('caption.sr-only', caption),
  h('thead', h('tr', heads.map((t) => h('th', { scope: 'col', class: t.startsWith('Created') ? 'created' : null }, t || h('span.sr-only', 'Actions'))))),
  h('tbody', rows)))

export async function renderSettings (main, ctx, live) {
  const stack = ctx.stack
  const body = h('div', h('p.loading', 'Loading…'))
  fill(main, h('section.settings-screen', { 'aria-labelledby': 'settings-h' },
    h('div.toolbar', h('h1#settings-h', { tabindex: -1 }, 'Settings')), body))

  let settings, tokens
  try {
    [settings, tokens] = await Promise.all([
      stackSettings(ctx),
      get('/v3/stacks/delivery_tokens', { stack }).then((b) => b.tokens || [])
    ])
  } catch (error) {
    if (!live()) return
    fill(body, h('p', 'The settings could not be loaded. ', h('button.link-button', { type: 'button', onclick: () => ctx.refresh() }, 'Try again'), '.'))
    throw error
  }
  if (!live()) return
  const { environments, locales } = settings
  const master = locales.find((l) => !l.fallback_locale) || locales[0]

  /** Runs an action that resolves with a notice (or null), then shows the screen again. */
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
  const removal = (title, text, path, notice) => act(confirmDialog({ title, text }).then(async (sure) => {
    if (!sure) return null
    await del(path, { stack })
    return notice
  }))

  // ---- environments ----
  const newEnvironment = () => {
    const name = field('Name', { spellcheck: 'false', maxlength: 255 })
    const url = field('URL', { type: 'url', placeholder: 'https://www.example.com (optional)' })
    act(formDialog({
      title: 'New environment',
      fields: [name.el, url.el],
      submit: 'Create',
      onSubmit: async () => {
        const value = name.input.value.trim()
        if (!value) throw new Error('Enter a name for the environment.')
        const link = url.input.value.trim()
        const urls = link && master ? [{ locale: master.code, url: link }] : []
        const answer = await post('/v3/environments', { environment: { name: value, urls } }, { stack })
        return `${answer.notice} “${value}” is ready to publish to.`
      }
    }))
  }
  const renameEnvironment = (env) => {
    const name = field('Name', { value: env.name, spellcheck: 'false', maxlength: 255 })
    act(formDialog({
      title: `Rename environment ${env.name}`,
      fields: name.el,
      submit: 'Save',
      onSubmit: async () => {
        const value = name.input.value.trim()
        if (!value) throw new Error('Enter a name for the environment.')
        await put(`/v3/environments/${enc(env.name)}`, { environment: { name: value } }, { stack })
        return `The environment “${env.name}” is now “${value}”.`
      }
    }))
  }
  const environmentRows = environments.map((env) => h('tr',
    h('td.name.nowrap', env.name),
    h('td', (env.urls || []).map((u) => h('span.sub', `${u.url}${u.locale ? ` (${u.locale})` : ''}`))),
    h('td.created', time(env.created_at, { zone: false }), ' by ', who(env.created_by)),
    h('td.row-actions',
      h('button.secondary', { type: 'button', 'aria-label': `Rename ${env.name}`, onclick: () => renameEnvironment(env) }, 'Rename'),
      h('button.danger', {
        type: 'button',
        'aria-label': `Delete ${env.name}`,
        onclick: () => removal(`Delete the environment “${env.name}”?`,
          `Everything published to ${env.name} is unpublished, and delivery tokens lose it from their scope.`,
          `/v3/environments/${enc(env.name)}`, `The environment “${env.name}” was deleted.`)
      }, 'Delete'))))

  // ---- locales ----
  const newLocale = () => {
    const code = field('Code', { spellcheck: 'false', placeholder: 'fr-fr', maxlength: 16 })
    const name = field('Name', { placeholder: 'French - France', maxlength: 50 })
    const fallback = field('Fallback', {}, 'select')
    fill(fallback.input, locales.map((l) => h('option', { value: l.code, selected: l === master }, `${l.code} (${l.name})`)))
    act(formDialog({
      title: 'New locale',
      fields: [code.el, name.el, fallback.el],
      submit: 'Create',
      onSubmit: async () => {
        const value = code.input.value.trim().toLowerCase()
        if (!value) throw new Error('Enter the locale’s code, such as fr-fr.')
        const locale = { code: value, fallback_locale: fallback.input.value || undefined }
        if (name.input.value.trim()) locale.name = name.input.value.trim()
        const answer = await post('/v3/locales', { locale }, { stack })
        return `${answer.notice} ${value} falls back to ${answer.locale.fallback_locale}.`
      }
    }))
  }
  const localeRows = locales.map((l) => h('tr',
    h('td.name.nowrap', l.code),
    h('td', l.name),
    h('td', l.fallback_locale || 'None (the master locale)'),
    h('td.row-actions', l.fallback_locale
      ? h('button.danger', {
        type: 'button',
        'aria-label': `Delete ${l.code}`,
        onclick: () => removal(`Remove the locale “${l.code}”?`, `What is published in ${l.code} is unpublished.`,
          `/v3/locales/${enc(l.code)}`, `The locale “${l.code}” was removed.`)
      }, 'Delete')
      : null)))

  // ---- delivery tokens ----
  const newToken = () => {
    const name = field('Name', { maxlength: 255 })
    const description = field('Description', { placeholder: 'Optional' })
    const scope = h('fieldset', h('legend', 'Environments'),
      environments.length
        ? environments.map((e) => h('span.choice', h('label', h('input', { type: 'checkbox', name: 'scope', value: e.name, checked: environments.length === 1 }), ` ${e.name}`)))
        : h('p.muted', 'Make an environment first.'))
    act(formDialog({
      title: 'New delivery token',
      fields: [name.el, description.el, scope],
      submit: 'Create',
      onSubmit: async (form) => {
        const value = name.input.value.trim()
        if (!value) throw new Error('Enter a name for the token.')
        const envs = [...form.querySelectorAll('input[name=scope]:checked')].map((i) => i.value)
        if (!envs.length) throw new Error('Choose at least one environment the token can read.')
        const token = {
          name: value,
          scope: [
            { module: 'environment', environments: envs, acl: { read: true } },
            { module: 'branch', branches: ['main'], acl: { read: true } }
          ]
        }
        if (description.input.value.trim()) token.description = description.input.value.trim()
        const answer = await post('/v3/stacks/delivery_tokens', { token }, { stack })
        shownToken = answer.token.uid
        return `${answer.notice} Its value and a snippet for your site are below.`
      }
    }))
  }
  const envsOf = (token) => ((token.scope || []).find((s) => s.module === 'environment') || {}).environments || []
  const shown = tokens.find((t) => t.uid === shownToken) || tokens[0]
  const tokenRows = tokens.map((t) => h('tr',
    h('td.name', t.name, t.description ? h('span.sub', t.description) : null),
    h('td', envsOf(t).map((e) => e.name).join(', ')),
    h('td.created', time(t.created_at, { zone: false })),
    h('td.row-actions',
      t === shown ? null : h('button.secondary', { type: 'button', 'aria-label': `Show ${t.name}`, onclick: () => { shownToken = t.uid; ctx.refresh() } }, 'Show'),
      h('button.danger', {
        type: 'button',
        'aria-label': `Delete ${t.name}`,
        onclick: () => removal(`Delete the delivery token “${t.name}”?`, 'Sites using it can no longer read the stack.',
          `/v3/stacks/delivery_tokens/${enc(t.uid)}`, `The delivery token “${t.name}” was deleted.`)
      }, 'Delete'))))
  let tokenPanel = null
  if (shown) {
    const value = h('code', { 'data-testid': 'token-value' }, shown.token)
    const env = (envsOf(shown)[0] || {}).name || 'development'
    tokenPanel = h('div.token-panel',
      h('h3', `“${shown.name}”`),
      h('p.token-line', h('span.muted', 'Token '), value, copyButton('Copy the token', shown.token, value)),
      snippetBlock('delivery snippet', deliverySnippet(stack.api_key, shown.token, env)))
  }

  // ---- management token ----
  const management = h('code', stack.management_token)

  fill(body,
    section('environments-h', 'Environments', h('button', { type: 'button', onclick: newEnvironment }, 'New environment'),
      environments.length ? table('Environments', ['Name', 'URLs', 'Created (UTC)', ''], environmentRows) : h('p.empty', 'No environments: make one to publish to.')),
    section('locales-h', 'Locales', h('button', { type: 'button', onclick: newLocale }, 'New locale'),
      table('Locales', ['Code', 'Name', 'Fallback', ''], localeRows)),
    section('tokens-h', 'Delivery tokens', h('button', { type: 'button', onclick: newToken }, 'New delivery token'),
      h('p.muted', 'A site reads what is published to an environment with a delivery token scoped to it.'),
      tokens.length ? table('Delivery tokens', ['Name', 'Environments', 'Created (UTC)', ''], tokenRows) : h('p.empty', 'No delivery tokens yet.'),
      tokenPanel),
    section('management-h', 'Management token', null,
      h('p.muted', 'The stack’s management token opens its management API (/v3) to scripts and SDKs.'),
      h('p.token-line', h('span.muted', 'Token '), management, copyButton('Copy the management token', stack.management_token, management)),
      snippetBlock('management snippet', managementSnippet(stack.api_key, stack.management_token))))
}
