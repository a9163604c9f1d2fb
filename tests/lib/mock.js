'use strict'
// How the Node suites (tests/js, tests/delivery, tests/cli, tests/ui) start contentstack-mock:
// through the test kit of the npm package (packages/npm/contentstack-mock, from source), with
// the binary under test ($CSMOCK_BIN), so that the kit is tested by being used.

const path = require('node:path')
const { startMock } = require('../../packages/npm/contentstack-mock')

const ROOT = path.resolve(__dirname, '..', '..')
/** The binary under test: $CSMOCK_BIN, by default the release build (as tests/lib/suite.sh). */
const BIN = process.env.CSMOCK_BIN || path.join(ROOT, 'target', 'release', 'contentstack-mock')
/** How long a start may take on a busy CI machine (banner, then `/_mock/health`). */
const START_TIMEOUT_MS = 30000

/**
 * Starts the binary on a free port of 127.0.0.1: `--ephemeral`, or `dataDir` kept for a
 * restart; `tlsListen` adds an HTTPS listener there (its port and certificate read from the
 * banner); `args` are more flags. Resolves to the suites' view of it:
 * `{ mock, port, base, tlsPort?, certPath?, stop() }` (`mock` is the kit's `Mock`).
 */
async function startServer ({ args = [], dataDir, tlsListen } = {}) {
  const flags = tlsListen ? ['--tls-listen', tlsListen, ...args] : [...args]
  // `url: ''` and `adminToken: ''`: a suite never attaches to the mock named by
  // CONTENTSTACK_MOCK_URL nor takes CONTENTSTACK_MOCK_ADMIN_TOKEN; each test file starts
  // its own, with the flags it tests.
  const mock = await startMock({ url: '', adminToken: '', binary: BIN, args: flags, dataDir, timeoutMs: START_TIMEOUT_MS })
  const server = mock.server
  if (tlsListen && !(server.httpsUrl && server.certificate)) {
    await mock.stop()
    throw new Error(`contentstack-mock ${flags.join(' ')} printed no HTTPS listener or certificate in its banner`)
  }
  return {
    mock,
    port: server.port,
    base: mock.url,
    tlsPort: server.httpsUrl ? Number(new URL(server.httpsUrl).port || 443) : undefined,
    certPath: server.certificate,
    stop: () => mock.stop()
  }
}

module.exports = { BIN, ROOT, startServer }
