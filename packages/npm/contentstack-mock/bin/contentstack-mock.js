#!/usr/bin/env node
// `npx contentstack-mock [flags]`: runs the binary of this platform's package with the
// same arguments, stdio and exit status, and passes Ctrl-C and `kill` on to it so that
// it stops as cleanly as when started directly.
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
