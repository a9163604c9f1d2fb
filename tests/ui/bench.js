'use strict'
// Benchmark (run by hand, not a test): the weight of the web UI, and how fast the Assets
// screen first renders with 1,000 assets on a stack, in headless Chromium.
//
//   node tests/ui/bench.js [--assets 1000] [--runs 10] [--text]   (--text: no thumbnails)
//
// Uses $CSMOCK_BIN (default target/release/contentstack-mock, what users run), started
// through the test kit (tests/lib/mock.js). Prints the bytes of every UI file, then, over
// the runs, the median and worst of: first contentful paint; the list on screen (the frame
// after its first rows were built, `performance.mark('csmock-ui:list-rendered')`); and all
// the page's rows (up to 250, `csmock-ui:list-complete`); each counted from the start of
// the navigation.
// Each run is a fresh browser context (nothing cached), then a reload of the same page.

const H = require('./lib/harness')

function arg (name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}

const FILES = ['index.html', 'style.css', 'app.js', 'api.js', 'dom.js', 'assets.js', 'asset.js', 'folders.js', 'publish.js', 'trash.js', 'settings.js', 'clock.js', 'favicon.svg']

async function seed (server, stack, n, text) {
  const started = Date.now()
  for (let i = 0; i < n; i += 16) {
    const batch = []
    for (let j = i; j < Math.min(n, i + 16); j++) {
      const name = `bench-${String(j).padStart(4, '0')}`
      if (text) {
        batch.push(H.uploadAsset(server, stack, { filename: `${name}.txt`, bytes: Buffer.from(`asset ${j}\n`), type: 'text/plain' }))
        continue
      }
      const png = H.gradientPng(16, 16, [(j * 37) % 256, (j * 91) % 256, 200], [255, 255, 255])
      batch.push(H.uploadAsset(server, stack, { filename: `${name}.png`, bytes: png }))
    }
    await Promise.all(batch)
  }
  return Date.now() - started
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

async function main () {
  const assets = arg('assets', 1000)
  const runs = arg('runs', 10)
  const server = await H.startServer()
  try {
    let total = 0
    console.log('UI files (uncompressed):')
    for (const file of FILES) {
      const bytes = (await (await fetch(`${server.base}/ui/${file}`)).arrayBuffer()).byteLength
      total += bytes
      console.log(`  ${file.padEnd(12)} ${String(bytes).padStart(7)} B`)
    }
    console.log(`  ${'total'.padEnd(12)} ${String(total).padStart(7)} B (${(total / 1024).toFixed(1)} KiB)`)

    const stack = await H.createStack(server, 'Bench')
    const text = process.argv.includes('--text')
    const seedMs = await seed(server, stack, assets, text)
    console.log(`seeded ${assets} ${text ? 'text' : 'PNG'} assets in ${seedMs} ms`)

    const browser = await H.launchBrowser()
    const url = H.uiUrl(stack)
    const samples = []
    // One warm-up load, then the measured ones, each in a fresh context.
    for (let i = 0; i <= runs; i++) {
      const guard = await H.openPage(browser, server)
      const { page } = guard
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
      await page.goto(url)
      await page.waitForFunction(() => performance.getEntriesByName('csmock-ui:list-complete').length > 0, null, { timeout: 30000 })
      const m = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0]
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]
        const list = performance.getEntriesByName('csmock-ui:list-rendered')[0]
        const complete = performance.getEntriesByName('csmock-ui:list-complete')[0]
        const api = performance.getEntriesByType('resource').filter((r) => /\/v3\/assets\?/.test(r.name))
        const ui = performance.getEntriesByType('resource').filter((r) => /\/ui\//.test(r.name))
        return {
          dcl: nav.domContentLoadedEventEnd,
          fcp: fcp ? fcp.startTime : NaN,
          list: list.startTime,
          complete: complete ? complete.startTime : NaN,
          rows: document.querySelectorAll('tbody tr').length,
          apiCalls: api.length,
          apiSlowest: Math.max(...api.map((r) => r.duration)),
          uiBytes: ui.reduce((sum, r) => sum + r.decodedBodySize, 0) + nav.decodedBodySize
        }
      })
      // Main-thread time the renderer spent (CPU, less sensitive to a busy machine).
      const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]))
      m.task = metrics.TaskDuration * 1000
      m.script = metrics.ScriptDuration * 1000
      m.layout = (metrics.LayoutDuration + metrics.RecalcStyleDuration) * 1000
      // The same page loaded again in that context (files revalidated, code cached).
      await page.evaluate(() => performance.clearMarks())
      await page.reload()
      await page.waitForFunction(() => performance.getEntriesByName('csmock-ui:list-complete').length > 0, null, { timeout: 30000 })
      m.warm = await page.evaluate(() => performance.getEntriesByName('csmock-ui:list-rendered')[0].startTime)
      if (i > 0) samples.push(m)
      guard.check()
      await guard.close()
    }
    await browser.close()
    const pick = (key) => samples.map((s) => s[key])
    const fmt = (xs) => `median ${median(xs).toFixed(1)} ms, best ${Math.min(...xs).toFixed(1)} ms, worst ${Math.max(...xs).toFixed(1)} ms`
    console.log(`Assets screen, ${assets} assets on the stack, ${samples[0].rows} rows on the first page, ${samples[0].apiCalls} /v3/assets calls (${runs} runs):`)
    console.log(`  DOMContentLoaded:        ${fmt(pick('dcl'))}`)
    console.log(`  first contentful paint:  ${fmt(pick('fcp'))}`)
    console.log(`  list on screen:          ${fmt(pick('list'))}`)
    console.log(`  all rows of the page:    ${fmt(pick('complete'))}`)
    console.log(`  list on screen, reload:  ${fmt(pick('warm'))}`)
    console.log(`  slowest /v3/assets call: ${fmt(pick('apiSlowest'))}`)
    console.log(`  renderer main thread:    ${fmt(pick('task'))} (script ${median(pick('script')).toFixed(1)} ms, style and layout ${median(pick('layout')).toFixed(1)} ms)`)
    console.log(`  machine load average:    ${require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ')} (${require('node:os').cpus().length} cores)`)
    console.log(`  UI bytes the page loaded: ${samples[0].uiBytes} B`)
  } finally {
    await server.stop()
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
