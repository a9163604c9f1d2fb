// What the kit's test files share: the official management SDK on a kit stack, and an
// upload through it.
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const management = require('@contentstack/management')

const files = mkdtempSync(join(tmpdir(), 'csmock-kit-'))

/** The official management SDK's stack handle on a kit stack. */
export function sdk (target, extra = {}) {
  const client = management.client(target.managementClientOptions({ logHandler: () => {}, ...extra }))
  return client.stack(target.managementStackOptions())
}

/** Uploads a small text file through the SDK; resolves with the asset. */
export async function upload (target, name, text = `${name} at ${Date.now()}`) {
  const file = join(files, name)
  writeFileSync(file, text)
  return sdk(target).asset().create({ upload: file, title: name })
}
