// The stack clock panel: the stack's virtual time, and moving it forward by days and
// hours (which purges the trash items that fall due) or back to real time.

import { get, post, del } from './api.js'
import { formatTime, plural, notify, showError, clearError } from './dom.js'

const MINUTE = 60
const HOUR = 3600
const DAY = 86400

let clock = null
let fetchedAt = 0
let forStack = null

const nowEl = () => document.getElementById('clock-now')
const stateEl = () => document.getElementById('clock-state')

/** "15 days 3 hours": a clock offset in words. */
function offsetWords (seconds) {
  const s = Math.abs(seconds)
  const days = Math.floor(s / DAY)
  const hours = Math.floor((s % DAY) / HOUR)
  const minutes = Math.floor((s % HOUR) / MINUTE)
  const parts = []
  if (days) parts.push(plural(days, 'day'))
  if (hours) parts.push(plural(hours, 'hour'))
  if (!days && minutes) parts.push(plural(minutes, 'minute'))
  return parts.join(' ')
}

/** The stack clock's time now, as ISO text (the browser's until the clock has loaded). */
export function clockNow () {
  if (!clock) return new Date().toISOString()
  return new Date(Date.parse(clock.now) + (clock.frozen ? 0 : performance.now() - fetchedAt)).toISOString()
}

function show () {
  if (!clock) return
  const iso = clockNow()
  const el = nowEl()
  el.dateTime = iso
  el.textContent = formatTime(iso)
  const words = offsetWords(clock.offset_seconds || 0)
  const where = Math.abs(clock.offset_seconds || 0) < MINUTE
    ? 'Real time'
    : `${words} ${clock.offset_seconds > 0 ? 'ahead of' : 'behind'} real time`
  stateEl().textContent = clock.frozen ? `${where}, frozen` : where
}

function take (body) {
  clock = body
  fetchedAt = performance.now()
  show()
}

/** Loads the clock of the chosen stack. */
export async function loadClock (ctx) {
  const stack = ctx.stack
  if (!stack) return
  forStack = stack.api_key
  try {
    const body = await get(`/_mock/stacks/${encodeURIComponent(stack.api_key)}/clock`)
    if (forStack === stack.api_key) take(body)
  } catch (error) {
    ctx.fail(error)
  }
}

export function initClock (ctx) {
  const form = document.getElementById('clock-form')
  const days = document.getElementById('clock-days')
  const hours = document.getElementById('clock-hours')
  const button = document.getElementById('clock-advance')
  setInterval(show, 10000)

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!ctx.stack || ctx.locked) return
    const d = Number(days.value || 0)
    const hr = Number(hours.value || 0)
    if (!Number.isInteger(d) || !Number.isInteger(hr) || d < 0 || hr < 0) {
      showError('Days and hours must be whole numbers, 0 or more.')
      return
    }
    if (d === 0 && hr === 0) {
      showError('Enter how many days or hours to move the clock forward.')
      return
    }
    const body = {}
    if (d) body.days = d
    if (hr) body.hours = hr
    button.disabled = true
    try {
      const result = await post(`/_mock/stacks/${encodeURIComponent(ctx.stack.api_key)}/clock/advance`, body)
      take(result)
      clearError()
      const purged = (result.purged || []).length
      notify(`The clock moved forward ${offsetWords(d * DAY + hr * HOUR)}, to ${formatTime(result.now)}.` +
        (purged ? ` ${plural(purged, 'trash item')} ${purged === 1 ? 'was' : 'were'} purged.` : '') +
        scheduledWords(result.published || []))
      await ctx.refresh()
    } catch (error) {
      ctx.fail(error)
    } finally {
      button.disabled = false
    }
  })

  document.getElementById('clock-reset').addEventListener('click', async () => {
    if (!ctx.stack || ctx.locked) return
    try {
      take(await del(`/_mock/stacks/${encodeURIComponent(ctx.stack.api_key)}/clock`))
      notify('The clock is back to real time.')
      await ctx.refresh()
    } catch (error) {
      ctx.fail(error)
    }
  })
}

/** What a clock move did to scheduled items: " 2 scheduled publishes ran." (or nothing). */
function scheduledWords (applied) {
  const ran = (action) => applied.filter((item) => item.action === action).length
  const parts = [
    [ran('publish'), 'scheduled publish', 'scheduled publishes'],
    [ran('unpublish'), 'scheduled unpublish', 'scheduled unpublishes']
  ].filter(([n]) => n > 0).map(([n, one, many]) => plural(n, one, many))
  return parts.length ? ` ${parts.join(' and ')} ran.` : ''
}
