'use strict'
// Runs Contentstack DataSync (@contentstack/datasync-manager with the filesystem asset and
// content stores) against the mock, in a process of its own: DataSync keeps timers (its
// cool-off and its connectivity check) that would hold a test process open. The test
// starts it in a folder of its own with DATASYNC_CONFIG (JSON: apiKey, deliveryToken,
// host, port) and
// TOKEN_PATH / PLUGIN_PATH in a temporary folder (where DataSync keeps its sync token), sends a
// line on stdin to notify it of a change (what its webhook listener does), and ends it by
// its pid. Its progress goes to stdout, one JSON line per event.

const manager = require('@contentstack/datasync-manager')
const assetStore = require('@contentstack/datasync-asset-store-filesystem')
const contentStore = require('@contentstack/datasync-content-store-filesystem')

const cfg = JSON.parse(process.env.DATASYNC_CONFIG)
const say = (event, extra = {}) => process.stdout.write(JSON.stringify({ event, ...extra }) + '\n')

// The listener plugin receives Contentstack's webhooks; here stdin stands in for them.
let notify = null
let listenerConfig = {}
const stdinListener = {
  register (fn) { notify = fn },
  start () { return Promise.resolve() },
  setConfig (config) { listenerConfig = config },
  getConfig () { return listenerConfig }
}

manager.setAssetStore(assetStore)
manager.setContentStore(contentStore)
manager.setListener(stdinListener)
manager.setConfig({
  contentstack: {
    apiKey: cfg.apiKey,
    deliveryToken: cfg.deliveryToken,
    host: cfg.host,
    port: cfg.port,
    protocol: 'https:'
  },
  // The stores take their folders relative to the working directory (the test's folder).
  assetStore: { baseDir: './assets' },
  contentStore: { baseDir: './contents' },
  syncManager: {
    cooloff: 200,
    // Its connectivity check asks a DNS server; keep it on this machine and out of the way.
    inet: { dns: '127.0.0.1', port: 9, host: 'cma.mock', retryTimeout: 60 * 60 * 1000 }
  }
})
for (const kind of ['publish', 'unpublish', 'delete']) {
  manager.notifications.on(kind, (item) => say(kind, { uid: item && (item.uid || (item.data && item.data.uid)) }))
}
manager.notifications.on('error', (error) => say('error', { message: String(error && (error.message || error)) }))

process.stdin.setEncoding('utf8')
process.stdin.on('data', () => { if (notify) notify() })
manager.start().then(() => say('started')).catch((error) => {
  say('failed', { message: String(error && (error.stack || error.message || error)) })
  process.exit(1)
})
