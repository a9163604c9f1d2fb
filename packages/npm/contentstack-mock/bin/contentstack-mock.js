#!/usr/bin/env node
// `npx contentstack-mock [flags]`: runs the binary of this platform's package with the
// same arguments, stdio and exit status, and passes Ctrl-C and `kill` on to it so that
// it stops as cleanly as when started directly. Under npx it also stops the binary when
// npm goes away: npm exits on SIGTERM without passing it on, which would leave the mock
// running, and holding its port, with nobody to stop it.
'use strict'

const { spawn } = require('node:child_process')
const { binaryPath } = require('../index.js')

let binary
try {
  binary = binaryPath()
} catch (error) {
  console.error(error.message)
  process.exit(1)
}

const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' })
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP']
for (const signal of forwarded) {
  process.on(signal, () => child.kill(signal))
}
if (process.env.npm_command === 'exec') {
  const npm = process.ppid
  setInterval(() => {
    if (process.ppid !== npm) child.kill('SIGTERM')
  }, 200).unref()
}
child.on('error', (error) => {
  console.error(`contentstack-mock: could not run ${binary}: ${error.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, so that the caller sees what the binary saw.
    for (const name of forwarded) process.removeAllListeners(name)
    process.kill(process.pid, signal)
    return
  }
  process.exit(code ?? 1)
})
