// Talks to the mock's own APIs, same origin only: `/v3` with the chosen stack's
// credentials (headers `api_key` and `authorization`), `/_mock` with the admin token when
// the server was started with `--admin-token`.

const TOKEN_KEY = 'csmock.ui.adminToken'

/** An API answer that is not a success, carrying Contentstack's error body. */
export class ApiError extends Error {
  constructor (status, body, path) {
    const message = (body && typeof body.error_message === 'string' && body.error_message) ||
      (status ? `The server answered ${status} for ${path}.` : `contentstack-mock did not answer (${path}). Is it still running?`)
    super(message)
    this.status = status
    this.code = body && body.error_code
    this.errors = (body && body.errors) || {}
    this.path = path
  }

  /** A `/_mock` call refused for want of the admin token. */
  get needsAdminToken () {
    return this.status === 401 && String(this.path).startsWith('/_mock')
  }
}

export function adminToken () {
  try { return sessionStorage.getItem(TOKEN_KEY) || '' } catch { return '' }
}

export function setAdminToken (token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token)
    else sessionStorage.removeItem(TOKEN_KEY)
  } catch { /* storage unavailable: the token lives as long as the page */ }
  memoryToken = token
}

let memoryToken = ''

function headersFor (path, stack) {
  const headers = { accept: 'application/json' }
  if (path.startsWith('/v3')) {
    if (!stack) throw new ApiError(412, { error_message: 'Choose a stack first.' }, path)
    headers.api_key = stack.api_key
    headers.authorization = stack.management_token
  } else {
    const token = adminToken() || memoryToken
    if (token) headers.authorization = `Bearer ${token}`
  }
  return headers
}

/** `path?query` with the given parameters (undefined ones left out). */
export function withQuery (path, params = {}) {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `${path}?${text}` : path
}

/** One JSON call. Resolves with the body; rejects with an ApiError. */
export async function call (method, path, { stack, json, params } = {}) {
  const url = withQuery(path, params)
  const headers = headersFor(path, stack)
  let body
  if (json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(json)
  }
  let response
  try {
    response = await fetch(url, { method, headers, body, cache: 'no-store', credentials: 'omit' })
  } catch {
    throw new ApiError(0, null, path)
  }
  const text = await response.text().catch(() => '')
  let data = null
  try { data = text ? JSON.parse(text) : null } catch { data = null }
  if (!response.ok) throw new ApiError(response.status, data, path)
  return data
}

export const get = (path, options) => call('GET', path, options)
export const post = (path, json, options = {}) => call('POST', path, { ...options, json: json ?? {} })
export const put = (path, json, options = {}) => call('PUT', path, { ...options, json: json ?? {} })
export const del = (path, options) => call('DELETE', path, options)

/**
 * Sends one file as multipart `asset[upload]` (with `asset[parent_uid]` when given) by
 * XMLHttpRequest, for its upload progress: `POST /v3/assets` makes a new asset,
 * `PUT /v3/assets/{uid}` replaces one's file. `onProgress(loaded, total)`.
 */
export function sendFile (stack, method, path, file, parentUid, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData()
    form.append('asset[upload]', file, file.name)
    if (parentUid) form.append('asset[parent_uid]', parentUid)
    const xhr = new XMLHttpRequest()
    xhr.open(method, withQuery(path, { relative_urls: true }))
    for (const [key, value] of Object.entries(headersFor(path, stack))) xhr.setRequestHeader(key, value)
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total)
    })
    xhr.addEventListener('load', () => {
      let data = null
      try { data = JSON.parse(xhr.responseText) } catch { data = null }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size)
        resolve(data)
      } else {
        reject(new ApiError(xhr.status, data, path))
      }
    })
    xhr.addEventListener('error', () => reject(new ApiError(0, null, path)))
    xhr.addEventListener('abort', () => reject(new ApiError(0, { error_message: 'The upload was cancelled.' }, path)))
    xhr.send(form)
  })
}

/** Uploads one file as a new asset into `parentUid` (the root when empty). */
export const upload = (stack, file, parentUid, onProgress) => sendFile(stack, 'POST', '/v3/assets', file, parentUid, onProgress)

// ---- the stack's environments and locales, shared by the screens that name them -----

let cache = null

/** The stack's environments and locales, fetched once per stack until `forgetSettings`. */
export function stackSettings (ctx) {
  const stack = ctx.stack
  if (!cache || cache.key !== stack.api_key) {
    const promise = Promise.all([get('/v3/environments', { stack }), get('/v3/locales', { stack })])
      .then(([e, l]) => ({ environments: e.environments || [], locales: l.locales || [] }))
    promise.catch(() => { if (cache && cache.promise === promise) cache = null })
    cache = { key: stack.api_key, promise }
  }
  return cache.promise
}

export function forgetSettings () { cache = null }

/** An environment's name from its uid (the uid itself for one that is gone). */
export function envName (settings, uid) {
  const env = settings.environments.find((e) => e.uid === uid || e.name === uid)
  return env ? env.name : uid
}
