import type { ChildProcess } from 'node:child_process'
import type { Writable } from 'node:stream'

/** How to start a contentstack-mock. */
export interface StartOptions {
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string
  /** Port to listen on; `0` (the default) picks a free one. */
  port?: number
  /** Keep everything in a temporary folder removed when the mock stops. Default `true`. */
  ephemeral?: boolean
  /** A data dir to keep (turns `ephemeral` off). */
  dataDir?: string
  /** More flags, as on the command line (`['--trash-retention', '1d']`). */
  args?: string[]
  /** Extra environment variables for the binary (`CSMOCK_*` settings). */
  env?: Record<string, string>
  /** The binary's log filter. Default `warn`. */
  log?: string
  /** Where the binary's log lines go (e.g. `process.stderr`). Default: nowhere. */
  stderr?: Writable
  /** A binary to run instead of this platform's package. */
  binary?: string
  /** How long to wait for the mock to start. Default 10,000 ms. */
  timeoutMs?: number
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 15,000 ms. */
  stopTimeoutMs?: number
}

/** A running contentstack-mock. */
export interface RunningMock {
  /** Base URL of the HTTP listener, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** The host and port of `url`. */
  host: string
  port: number
  /** Base URL of the HTTPS listener, when `--tls-listen` was given. */
  httpsUrl?: string
  /** The self-signed certificate to trust, when there is an HTTPS listener. */
  certificate?: string
  /** The default stack's api_key and management token. */
  apiKey: string
  managementToken: string
  /** The binary's process. */
  process: ChildProcess
  /** Stops the mock (SIGTERM, then waits for it to exit). */
  stop(): Promise<void>
}

/** Starts a contentstack-mock and resolves once it serves requests. */
export function start(options?: StartOptions): Promise<RunningMock>

/** The path of the binary: `CONTENTSTACK_MOCK_BINARY`, or this platform's package's. */
export function binaryPath(): string

/** This package's version (the binary's). */
export const version: string
