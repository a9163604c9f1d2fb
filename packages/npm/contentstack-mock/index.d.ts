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

/** How `startMock()` gets its mock. */
export interface StartMockOptions extends StartOptions {
  /** Attach to a running mock at this URL instead of starting one. Default: `CONTENTSTACK_MOCK_URL`. */
  url?: string
  /** The mock's `--admin-token`, sent on `/_mock` calls. Default: `CONTENTSTACK_MOCK_ADMIN_TOKEN`. */
  adminToken?: string
}

/** What a fresh stack starts with. */
export interface StackOptions {
  /** Default: a generated name. */
  name?: string
  /** The display name of the stack's user. Default `Local Developer`. */
  userName?: string
  /** Environments by name. Default `['development']`; the delivery token covers them all. */
  environments?: string[]
  /** The master locale. Default `en-us`. */
  masterLocale?: string
  /** Turn on the real plan's rate limits for this stack. Default off. */
  rateLimits?: boolean
  /** Credentials of your own; generated when not given. */
  apiKey?: string
  managementToken?: string
}

/** An error answered by the mock, in Contentstack's shape. */
export class MockError extends Error {
  status: number
  errorCode?: number
  errors: Record<string, string[]>
  body: unknown
}

/** `{days, hours, minutes, seconds}`: how far to move a stack's clock. */
export interface Duration {
  days?: number
  hours?: number
  minutes?: number
  seconds?: number
}

export interface ClockState {
  now: string
  offset_seconds: number
  frozen: boolean
}

export interface Purged { uid: string, type: 'asset' | 'folder' }

export interface ClockAdvance extends ClockState {
  /** Scheduled publishes applied by the move. */
  published: unknown[]
  /** Trash items purged by the move. */
  purged: Purged[]
}

export interface Fault {
  /** The status to answer, in the error shape (429 adds `retry-after: 1`). */
  status: number
  /** How many requests. Default 1. */
  count?: number
  /** Only requests whose path starts with this. */
  path?: string
  method?: string
  /** `management` (default) or `delivery` (the Delivery and Sync APIs). */
  scope?: 'management' | 'delivery'
}

export interface Snapshot {
  name: string
  created_at: string
  assets: number
  bytes: number
}

export interface JournalEntry {
  method: string
  path: string
  query: string
  status: number
  duration_ms: number
  headers: Record<string, string>
  body: string | null
  at: string
}

export interface RequestFilter {
  method?: string
  pathPrefix?: string
  status?: number
}

export interface RateLimitSettings {
  enabled: boolean
  read?: number
  write?: number
  bulk?: number
  delivery?: number
}

/** Options for `@contentstack/management`'s `client({...})`. */
export interface ManagementClientOptions {
  host: string
  port: number
  insecure: boolean
  /** Present when the mock's URL names an IP or `localhost`: resolves `host` to it. */
  lookup?: (hostname: string, options: any, callback: (...args: any[]) => void) => void
  [option: string]: unknown
}

/** Options for `@contentstack/delivery-sdk`'s `contentstack.stack({...})`. */
export interface DeliveryStackOptions {
  apiKey: string
  deliveryToken: string
  environment: string
  host: string
  port: number
  insecure: boolean
  [option: string]: unknown
}

/** A stack of a mock: its credentials, options for the official SDKs and its controls. */
export class Stack {
  readonly mock: Mock
  /** The stack as `/_mock/stacks` describes it. */
  info: Record<string, unknown>
  apiKey: string
  managementToken: string
  /** A delivery token for every environment of the stack (and branch `main`). */
  deliveryToken?: string
  name: string
  userName: string
  environments: string[]
  /** The environment `deliveryStackOptions()` names: the first one. */
  environment?: string
  clock: {
    now(): Promise<Date>
    get(): Promise<ClockState>
    advance(duration: Duration): Promise<ClockAdvance>
    set(now: Date | string): Promise<ClockAdvance>
    freeze(): Promise<ClockState>
    resume(): Promise<ClockState>
    reset(): Promise<ClockState>
  }
  faults: {
    add(fault: Fault): Promise<Fault>
    list(): Promise<Fault[]>
    clear(): Promise<unknown>
  }
  trash: {
    list(query?: Record<string, string | number>): Promise<{ items: any[], count: number }>
    restore(uid: string, options?: { with_assets?: boolean }): Promise<{ notice: string, asset: any }>
    purge(): Promise<{ purged: Purged[] }>
    empty(): Promise<{ purged: Purged[] }>
  }
  /** `api_key` and `authorization` headers for a management call. */
  headers(): { api_key: string, authorization: string }
  managementClientOptions(extra?: Record<string, unknown>): ManagementClientOptions
  managementStackOptions(extra?: Record<string, unknown>): { api_key: string, management_token: string, [option: string]: unknown }
  deliveryStackOptions(extra?: Record<string, unknown>): DeliveryStackOptions
  snapshot(name: string): Promise<Snapshot>
  restore(name: string): Promise<unknown>
  snapshots(): Promise<Snapshot[]>
  deleteSnapshot(name: string): Promise<void>
  requests(filter?: RequestFilter): Promise<JournalEntry[]>
  clearRequests(): Promise<void>
  rateLimits(settings: RateLimitSettings): Promise<unknown>
  /** Empties the stack; credentials and delivery tokens kept, clock back to real time. */
  reset(): Promise<Record<string, unknown>>
  /** Removes the stack with all its data and files. */
  delete(): Promise<void>
}

/** A contentstack-mock to make stacks on. */
export class Mock {
  constructor(options: { url: string, adminToken?: string, onStop?: () => Promise<void> })
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The process, when `startMock()` started one. */
  server?: RunningMock
  /** A fresh, isolated stack with a delivery token. */
  stack(options?: StackOptions): Promise<Stack>
  stacks(): Promise<Record<string, unknown>[]>
  health(): Promise<{ status: string, version: string }>
  /** Every stack removed, the default one re-created (all tests of this mock). */
  reset(): Promise<void>
  /** Stops a started mock; on an attached one, deletes the stacks made through this object. */
  stop(): Promise<void>
  request(method: string, path: string, options?: { json?: unknown, query?: Record<string, unknown>, headers?: Record<string, string> }): Promise<any>
}

/**
 * A contentstack-mock for tests: attaches to `url` (or `CONTENTSTACK_MOCK_URL`), or
 * starts the binary on a free port with a temporary data dir.
 */
export function startMock(options?: StartMockOptions): Promise<Mock>
