// The Testcontainers module from the installed tarball, against a real engine: the image
// the test command built (CSMOCK_TEST_IMAGE, set by tests/npm/run.sh), started by
// `ContentstackMockContainer`, a stack from it, and the official SDK on that stack.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import { ContentstackMockContainer, DEFAULT_IMAGE } from 'contentstack-mock/testcontainers'

const require = createRequire(import.meta.url)
const management = require('@contentstack/management')

const image = process.env.CSMOCK_TEST_IMAGE
let container

before(async () => {
  assert.ok(image, 'CSMOCK_TEST_IMAGE names the image to test (tests/npm/run.sh builds it)')
  container = await new ContentstackMockContainer(image).start()
})
after(() => container?.stop())

test('the default image is the one of docker/compose.yaml', () => {
  assert.equal(DEFAULT_IMAGE, 'ghcr.io/contentstack-mock/contentstack-mock:latest')
})

test('the started container gives its URL, healthy, with the mapped port', async () => {
  const url = container.getUrl()
  assert.equal(url, `http://${container.getHost()}:${container.getPort()}`)
  const health = await (await fetch(`${url}/_mock/health`)).json()
  assert.equal(health.status, 'ok')
})

test('stack() gives a fresh stack the official SDK uploads to, and the asset url names the mapped port', async () => {
  const stack = await container.stack({ name: 'in a container' })
  const other = await container.stack()
  try {
    const client = management.client(stack.managementClientOptions({ logHandler: () => {} }))
    const asset = await client.stack(stack.managementStackOptions()).asset().create({
      upload: Buffer.from('bytes in a container'), filename: 'box.txt', content_type: 'text/plain', title: 'box'
    })
    assert.ok(asset.url.includes(`:${container.getPort()}/v3/assets/${stack.apiKey}/${asset.uid}/`), asset.url)
    const direct = asset.url.replace(/^http:\/\/[^/]+/, container.getUrl())
    assert.equal(await (await fetch(direct)).text(), 'bytes in a container')
    const counted = await fetch(`${container.getUrl()}/v3/assets?count=true`, { headers: other.headers() })
    assert.deepEqual(await counted.json(), { assets: 0 })
    const advanced = await stack.clock.advance({ days: 1 })
    assert.equal(advanced.offset_seconds, 86400)
  } finally {
    await stack.delete()
    await other.delete()
  }
})
