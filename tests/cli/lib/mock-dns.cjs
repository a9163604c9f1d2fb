'use strict'
// Loaded into every csdx process with NODE_OPTIONS=--require <this file>.
// The CLI refuses IP addresses and `localhost` as its API host (its SSRF check), so the
// suite points it at the hostname `cma.mock`; this resolves every `*.mock` name and
// `localhost` to 127.0.0.1 (the mock listens on IPv4 loopback) and refuses every other
// name, so no command of the suite can reach a host outside this machine.
const dns = require('node:dns')

const original = dns.lookup
function isLocal (hostname) {
  return typeof hostname === 'string' && (hostname === 'localhost' || hostname.endsWith('.mock'))
}

dns.lookup = function lookup (hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {} }
  if (typeof options === 'number') options = { family: options }
  options = options || {}
  if (isLocal(hostname)) {
    return process.nextTick(() => options.all
      ? callback(null, [{ address: '127.0.0.1', family: 4 }])
      : callback(null, '127.0.0.1', 4))
  }
  if (typeof hostname === 'string' && /^[\d.]+$|:/.test(hostname)) {
    return original.call(dns, hostname, options, callback)
  }
  const err = new Error(`getaddrinfo ENOTFOUND ${hostname} (blocked by the conformance suite: only *.mock and localhost resolve)`)
  err.code = 'ENOTFOUND'
  err.errno = -3008
  err.syscall = 'getaddrinfo'
  err.hostname = hostname
  return process.nextTick(() => callback(err))
}
