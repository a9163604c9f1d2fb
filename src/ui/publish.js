// Publishing from the UI: the dialog that publishes or unpublishes one asset (its own
// call) or a selection (one bulk request) to chosen environments and locales, now or at a
// time on the stack clock.

import { post, stackSettings } from './api.js'
import { h, formDialog, field, formatTime, plural, namesOf } from './dom.js'
import { clockNow } from './clock.js'

const enc = encodeURIComponent
/** "2026-07-01T09:00" and "2026-07-01 09:00" are UTC, as every time the UI shows. */
export function parseTime (text) {
  let t = text.trim().replace(' ', 'T')
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t)) t += 'Z'
  const ms = /^\d{4}-\d\d-\d\d/.test(t) ? Date.parse(t) : NaN
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

const checkbox = (group, value, label, checked, note) => h('span.choice',
  h('label', h('input', { type: 'checkbox', name: group, value, checked }), ` ${label}`),
  note ? h('span.muted', ` ${note}`) : null)

/**
 * Publishes (or unpublishes) `items` ([{uid, label}]). Resolves with the notice to show,
 * or null when cancelled. `skipped` folders are named in the dialog, not sent.
 */
export async function publishDialog (ctx, items, { unpublish = false, skipped = 0 } = {}) {
  const stack = ctx.stack
  const settings = await stackSettings(ctx)
  const action = unpublish ? 'unpublish' : 'publish'
  const verb = unpublish ? 'Unpublish' : 'Publish'
  const soleEnv = settings.environments.length === 1
  const schedule = field('Schedule', { placeholder: 'Empty: now', spellcheck: 'false', 'aria-describedby': 'schedule-hint' })
  const fields = [
    h('p.muted', `${verb} ${namesOf(items.map((i) => i.label))}${skipped ? ` (${plural(skipped, 'folder')} left out: folders are not published)` : ''}.`),
    h('fieldset', h('legend', 'Environments'),
      settings.environments.length
        ? settings.environments.map((e) => checkbox('environment', e.name, e.name, soleEnv))
        : h('p.muted', 'This stack has no environment: make one in Settings.')),
    h('fieldset', h('legend', 'Locales'),
      settings.locales.map((l) => checkbox('locale', l.code, l.code, !l.fallback_locale, l.name))),
    schedule.el,
    h('p.hint#schedule-hint', `Optional: an ISO time on the stack clock, in UTC (it is ${formatTime(clockNow())} there).`)
  ]
  return formDialog({
    title: `${verb} ${items.length === 1 ? 'asset' : plural(items.length, 'asset')}`,
    fields,
    submit: verb,
    className: 'publish-dialog',
    onSubmit: async (form) => {
      const picked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value)
      const environments = picked('environment')
      const locales = picked('locale')
      if (!environments.length) throw new Error('Choose at least one environment.')
      if (!locales.length) throw new Error('Choose at least one locale.')
      let at = null
      if (schedule.input.value.trim()) {
        at = parseTime(schedule.input.value)
        if (!at) throw new Error('The schedule must be an ISO time, such as 2026-07-01T09:00:00Z.')
      }
      const later = at && at > clockNow()
      const scheduled = at ? { scheduled_at: at } : {}
      if (items.length === 1) {
        await post(`/v3/assets/${enc(items[0].uid)}/${action}`, { asset: { environments, locales }, ...scheduled }, { stack })
      } else {
        await post(`/v3/bulk/${action}`, { assets: items.map((i) => ({ uid: i.uid })), environments, locales, ...scheduled }, { stack })
      }
      const what = items.length === 1 ? `“${items[0].label}”` : plural(items.length, 'asset')
      const where = `${unpublish ? 'from' : 'to'} ${environments.join(', ')} (${locales.join(', ')})`
      return later
        ? `${what} will be ${action}ed ${where} at ${formatTime(at)} on the stack clock.`
        : `${what} ${items.length === 1 ? 'was' : 'were'} ${action}ed ${where}.`
    }
  })
}
