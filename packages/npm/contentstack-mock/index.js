// contentstack-mock for Node.js: where this platform's binary is, `start()` to run one on
// a free port for a test (or a script) and stop it afterwards, and the test kit:
// `startMock()` (a started or an already running mock) and its stacks (kit.js).
'use strict'

const { spawn } = require('node:child_process')
const path = require('node:path')

const { Mock, MockError, Stack } = require('./kit.js')

const { version } = require('./package.json')

/** The platforms a binary is published for, as `<process.platform>-<process.arch>`. */
const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']

/** How much of the binary's stderr is kept to explain a failed start. */
const STDERR_TAIL_BYTES = 8 * 1024

/** Whether this Linux runs on musl (Alpine): the Linux binaries need glibc. */
function isMusl () {
  if (process.platform !== 'linux') return false
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  return report ? !report.header?.glibcVersionRuntime : false
}

/**
 * The path of the contentstack-mock binary: `CONTENTSTACK_MOCK_BINARY` when set (a binary
 * built from source, say), otherwise the one in this platform's package.
 */
function binaryPath () {
  const override = process.env.CONTENTSTACK_MOCK_BINARY
  if (override) return path.resolve(override)
  const platform = `${process.platform}-${process.arch}`
  if (!PLATFORMS.includes(platform) || isMusl()) {
    const libc = isMusl() ? ' with musl libc' : ''
    throw new Error(
      `contentstack-mock has no prebuilt binary for ${platform}${libc} (there are: ${PLATFORMS.join(', ')}). ` +
      'Run the container image instead, or build from source and set CONTENTSTACK_MOCK_BINARY to the binary.'
    )
  }
  const pkg = `@contentstack-mock/${platform}`
  try {
    return require.resolve(`${pkg}/bin/contentstack-mock`)
  } catch {
    throw new Error(
      `contentstack-mock: the package ${pkg} that carries this platform's binary is not installed. ` +
      'It is an optional dependency, left out by `npm install --omit=optional` or by a lockfile made on another ' +
      `platform. Add it with: npm install --save-optional ${pkg}@${version}`
    )
  }
}

/** Reads the banner's facts as they arrive on stdout. */
function parseBanner (text) {
  const find = (pattern) => (text.match(pattern) || [])[1]
  const url = find(/listening on (http:\/\/\S+)/)
  const apiKey = find(/default stack:\s+api_key (\S+)/)
  const managementToken = find(/management token:\s+(\S+)/)
  if (!url || !apiKey || !managementToken) return null
  return {
    url,
    httpsUrl: find(/https:\s+(https:\/\/\S+)/),
    certificate: find(/tls certificate:\s+(.+)/)?.trim(),
    apiKey,
    managementToken
  }
}

/**
 * Starts a contentstack-mock and resolves once it serves requests.
 * @param {import('./index').StartOptions} [options]
 * @returns {Promise<import('./index').RunningMock>}
 */
function start (options = {}) {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  const args = ['serve', '--listen', `${host.includes(':') ? `[${host}]` : host}:${port}`, '--log', options.log ?? 'warn']
  if (options.dataDir) {
    args.push('--data-dir', options.dataDir)
  } else if (options.ephemeral !== false) {
    args.push('--ephemeral')
  }
  args.push(...(options.args ?? []))
  const binary = options.binary ?? binaryPath()
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env }
  })

  let stderrTail = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    if (options.stderr) options.stderr.write(chunk)
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES)
  })

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))

  async function stop () {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 15000)
    await exited
    clearTimeout(timer)
  }

  return new Promise((resolve, reject) => {
    let stdout = ''
    let settled = false
    const fail = (message) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      const detail = stderrTail.trim() ? `\n${stderrTail.trim()}` : ''
      reject(new Error(`contentstack-mock did not start: ${message}${detail}`))
    }
    const timer = setTimeout(() => fail(`no banner within ${options.timeoutMs ?? 10000} ms`), options.timeoutMs ?? 10000)
    child.once('error', (error) => fail(`could not run ${binary}: ${error.message}`))
    exited.then(({ code, signal }) => fail(`it exited (${signal ?? `code ${code}`})`))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      if (settled) return
      stdout += chunk
      const banner = parseBanner(stdout)
      if (!banner) return
      settled = true
      clearTimeout(timer)
      const address = new URL(banner.url)
      resolve({
        ...banner,
        host: address.hostname.replace(/^\[|\]$/g, ''),
        port: Number(address.port),
        process: child,
        stop
      })
    })
  })
}

/** Polls `/_mock/health` until it answers 200, for up to `timeoutMs`. */
async function waitHealthy (mock, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await mock.health()
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`contentstack-mock at ${mock.url} is not healthy: ${error.message}`)
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The test kit's entry: a contentstack-mock to make stacks on. With `url` (or the
 * environment variable `CONTENTSTACK_MOCK_URL`) it attaches to a running one; otherwise
 * it starts the binary on a free port with a temporary data dir.
 * @param {import('./index').StartMockOptions} [options]
 * @returns {Promise<import('./index').Mock>}
 */
async function startMock (options = {}) {
  const adminToken = options.adminToken ?? process.env.CONTENTSTACK_MOCK_ADMIN_TOKEN
  const url = options.url ?? process.env.CONTENTSTACK_MOCK_URL
  const timeoutMs = options.timeoutMs ?? 10000
  if (url) {
    const mock = new Mock({ url, adminToken })
    await waitHealthy(mock, timeoutMs)
    return mock
  }
  const { url: _url, adminToken: _token, ...startOptions } = options
  if (adminToken) startOptions.env = { ...startOptions.env, CSMOCK_ADMIN_TOKEN: adminToken }
  const server = await start(startOptions)
  // A test run that ends without stop() (a crash, a forgotten hook) leaves no mock behind.
  const reap = () => server.process.kill('SIGTERM')
  process.once('exit', reap)
  server.process.once('exit', () => process.removeListener('exit', reap))
  const mock = new Mock({ url: server.url, adminToken, onStop: server.stop })
  mock.server = server
  try {
    await waitHealthy(mock, timeoutMs)
  } catch (error) {
    await server.stop()
    throw error
  }
  return mock
}

module.exports = { binaryPath, start, startMock, version, Mock, MockError, Stack }
