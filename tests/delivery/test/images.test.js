'use strict'
// The Image Delivery API through the official URL builders: the delivery SDK's
// ImageTransform with `url.transform(...)`, and the legacy SDK's
// Stack.imageTransform(url, params). Every URL is fetched and what comes back is
// decoded (sharp) and checked: format, size, pixels, and the Fastly-IO-Info header.
//
// @contentstack/delivery-sdk declares ImageTransform but does not export the class at
// run time: 5.6.0 exports it as a type only and does not ship its code; 4.11.2 ships
// it as dist/modern/lib/image-transform.cjs, outside its package exports. That file of
// 4.11.2 (installed beside 5.6.0 under the alias `delivery-sdk-image-transform`) is
// loaded by path. It is loaded first, so that 5.6.0's own String.prototype.transform,
// installed after it, is the one that builds the URLs.

const path = require('node:path')
const { ImageTransform } = require(path.join(
  path.dirname(require.resolve('delivery-sdk-image-transform/package.json')),
  'dist', 'modern', 'lib', 'image-transform.cjs'))
const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const sharp = require('sharp')
const { CropBy, FitBy, Format, Orientation } = require('@contentstack/delivery-sdk')
const h = require('../lib/harness')

let server, w, sdk, legacy
const url = {}

/** Raw RGB pixels: red on the left half, blue on the right. */
function halves (width, height) {
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      if (x < width / 2) raw[i] = 255
      else raw[i + 2] = 255
    }
  }
  return raw
}

function photo (width, height) {
  return sharp(halves(width, height), { raw: { width, height, channels: 3 } })
}

/** Fetches a URL the SDK built; returns the answer, the bytes and sharp's metadata. */
async function fetchImage (built, headers = {}) {
  const res = await fetch(built.replace('//localhost:', '//127.0.0.1:'), { headers })
  assert.equal(res.status, 200, `${built} → ${res.status}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  const meta = await sharp(bytes).metadata()
  return { res, bytes, meta }
}

/** The RGB of one pixel of an image. */
async function pixel (bytes, x, y) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const i = (y * info.width + x) * info.channels
  return [data[i], data[i + 1], data[i + 2]]
}

function near (got, want, tolerance, what) {
  assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= tolerance), `${what}: ${got} is not near ${want}`)
}

before(async () => {
  server = await h.startServer()
  w = await h.createWorld(server, 'delivery images')
  const { cma } = w
  const jpg = await photo(400, 200).jpeg({ quality: 95 }).toBuffer()
  const png = await photo(40, 20).png().toBuffer()
  // Grey 100 on the left, 150 on the right: an edge to sharpen.
  const stepRaw = Buffer.alloc(40 * 4 * 3, 100)
  for (let i = 0; i < 40 * 4; i++) if (i % 40 >= 20) stepRaw.fill(150, i * 3, i * 3 + 3)
  const step = await sharp(stepRaw, { raw: { width: 40, height: 4, channels: 3 } }).png().toBuffer()
  const assets = {
    photo: await cma.upload(jpg, 'photo.jpg', { contentType: 'image/jpeg', title: 'Photo' }),
    small: await cma.upload(png, 'small.png', { contentType: 'image/png', title: 'Small' }),
    step: await cma.upload(step, 'step.png', { contentType: 'image/png', title: 'Step' })
  }
  sdk = w.sdk('development')
  legacy = w.legacy('development')
  for (const [key, asset] of Object.entries(assets)) {
    await cma.publish(asset.uid)
    // The URL a site gets from the delivery API.
    url[key] = (await sdk.asset(asset.uid).fetch()).url
  }
  url.photoBytes = jpg.length
})

after(async () => {
  if (server) await server.stop()
})

describe('delivery SDK: url.transform(new ImageTransform()...)', () => {
  it('resize: width keeps the aspect ratio, both are used as given, upscale can be disabled', async () => {
    let got = await fetchImage(url.photo.transform(new ImageTransform().resize({ width: 100 })))
    assert.deepEqual([got.meta.format, got.meta.width, got.meta.height], ['jpeg', 100, 50])
    assert.equal(got.res.headers.get('fastly-io-info'),
      `ifsz=${url.photoBytes} idim=400x200 ifmt=jpeg ofsz=${got.bytes.length} odim=100x50 ofmt=jpeg`)
    got = await fetchImage(url.photo.transform(new ImageTransform().resize({ width: 120, height: 30 })))
    assert.deepEqual([got.meta.width, got.meta.height], [120, 30])
    got = await fetchImage(url.small.transform(new ImageTransform().resize({ width: 400, disable: 'upscale' })))
    assert.deepEqual([got.meta.width, got.meta.height], [40, 20])
    got = await fetchImage(url.small.transform(new ImageTransform().resize({ width: '0.5' })))
    assert.deepEqual([got.meta.width, got.meta.height], [20, 10])
  })

  it('format: each output the SDK names', async () => {
    for (const [format, decoded] of [[Format.PNG, 'png'], [Format.JPG, 'jpeg'], [Format.PJPG, 'jpeg'],
      [Format.WEBP, 'webp'], [Format.WEBPLL, 'webp'], [Format.WEBPLY, 'webp'], [Format.GIF, 'gif']]) {
      const built = url.photo.transform(new ImageTransform().format(format).resize({ width: 40 }))
      assert.ok(built.endsWith(`?format=${format}&width=40`), built)
      const got = await fetchImage(built)
      assert.deepEqual([got.meta.format, got.meta.width, got.meta.height], [decoded, 40, 20], format)
      if (format === Format.PJPG) assert.equal(got.meta.isProgressive, true)
      if (format === Format.JPG) assert.equal(got.meta.isProgressive, false)
    }
  })

  it('quality: lower is smaller, and quality alone never makes a larger file', async () => {
    const low = await fetchImage(url.photo.transform(new ImageTransform().quality(10).resize({ width: 200 })))
    const high = await fetchImage(url.photo.transform(new ImageTransform().quality(90).resize({ width: 200 })))
    assert.ok(low.bytes.length < high.bytes.length, `${low.bytes.length} < ${high.bytes.length}`)
    const same = await fetchImage(url.photo.transform(new ImageTransform().quality(100)))
    assert.equal(same.bytes.length, url.photoBytes, 'the original, as it is larger')
  })

  it('crop: by size, aspect ratio, region and offset, with safe', async () => {
    let got = await fetchImage(url.photo.transform(new ImageTransform().crop({ width: 100, height: 50 })))
    assert.deepEqual([got.meta.width, got.meta.height], [100, 50])
    got = await fetchImage(url.photo.transform(new ImageTransform().crop({ width: 1, height: 1, cropBy: CropBy.ASPECTRATIO })))
    assert.deepEqual([got.meta.width, got.meta.height], [200, 200])
    got = await fetchImage(url.photo.transform(new ImageTransform().crop({ width: 50, height: 50, xval: 0, yval: 0, cropBy: CropBy.REGION })))
    near(await pixel(got.bytes, 25, 25), [255, 0, 0], 40, 'the top-left corner is red')
    got = await fetchImage(url.photo.transform(new ImageTransform().crop({ width: 100, height: 100, xval: 100, yval: 0, cropBy: CropBy.OFFSET })))
    near(await pixel(got.bytes, 50, 50), [0, 0, 255], 40, 'offset 100% is the right edge: blue')
    // Out of bounds: Fastly's 400, unless safe.
    const built = url.photo.transform(new ImageTransform().crop({ width: 50, height: 50, xval: 380, yval: 0, cropBy: CropBy.REGION }))
    const res = await fetch(built.replace('//localhost:', '//127.0.0.1:'))
    assert.equal(res.status, 400)
    assert.equal(await res.text(), 'Invalid transformation for requested image: Invalid crop, region out of bounds')
    got = await fetchImage(url.photo.transform(new ImageTransform().crop({ width: 50, height: 50, xval: 380, yval: 0, cropBy: CropBy.REGION, safe: true })))
    assert.deepEqual([got.meta.width, got.meta.height], [20, 50])
  })

  it('fit: bounds and crop', async () => {
    let got = await fetchImage(url.photo.transform(new ImageTransform().resize({ width: 100, height: 100 }).fit(FitBy.BOUNDS)))
    assert.deepEqual([got.meta.width, got.meta.height], [100, 50])
    got = await fetchImage(url.photo.transform(new ImageTransform().resize({ width: 100, height: 100 }).fit(FitBy.CROP)))
    assert.deepEqual([got.meta.width, got.meta.height], [100, 100])
    near(await pixel(got.bytes, 5, 50), [255, 0, 0], 40, 'left of the centre crop')
    near(await pixel(got.bytes, 95, 50), [0, 0, 255], 40, 'right of the centre crop')
  })

  it('auto: WebP for a client that takes it, the source format for one that does not', async () => {
    const built = url.photo.transform(new ImageTransform().auto().resize({ width: 60 }))
    assert.ok(built.endsWith('?auto=webp&width=60'), built)
    const webp = await fetchImage(built, { accept: 'image/avif,image/webp,*/*' })
    assert.equal(webp.meta.format, 'webp')
    assert.match(webp.res.headers.get('vary'), /Accept/)
    const plain = await fetchImage(built, { accept: '*/*' })
    assert.equal(plain.meta.format, 'jpeg')
    assert.notEqual(webp.res.headers.get('etag'), plain.res.headers.get('etag'))
  })

  it('dpr: multiplies the size asked for', async () => {
    const got = await fetchImage(url.photo.transform(new ImageTransform().resize({ height: 50 }).dpr(2)))
    assert.deepEqual([got.meta.width, got.meta.height], [200, 100])
  })

  it('orient: turns the image', async () => {
    const got = await fetchImage(url.small.transform(new ImageTransform().orient(Orientation.RIGHT)))
    assert.deepEqual([got.meta.width, got.meta.height], [20, 40])
    near(await pixel(got.bytes, 10, 2), [255, 0, 0], 0, 'turned right: the red left half is on top')
    near(await pixel(got.bytes, 10, 37), [0, 0, 255], 0, 'and the blue half below')
  })

  it('sharpen: the SDK\'s a,r,t form, applied', async () => {
    const built = url.step.transform(new ImageTransform().sharpen(5, 2, 0))
    assert.ok(built.endsWith('?sharpen=a5,r2,t0'), built)
    const got = await fetchImage(built)
    assert.deepEqual([got.meta.format, got.meta.width], ['png', 40])
    assert.equal(got.res.headers.get('fastly-io-warning'), null)
    // The edge overshoots on both sides; far from it nothing changes.
    const [dark] = await pixel(got.bytes, 19, 1)
    const [light] = await pixel(got.bytes, 20, 1)
    assert.ok(dark < 100 && light > 150, `${dark} ${light}`)
    assert.deepEqual(await pixel(got.bytes, 2, 1), [100, 100, 100])
  })
})

describe('legacy SDK: Stack.imageTransform(url, params)', () => {
  it('builds URL-encoded parameters that are applied', async () => {
    let got = await fetchImage(legacy.imageTransform(url.photo, { width: 100, height: 100, fit: 'bounds' }))
    assert.deepEqual([got.meta.width, got.meta.height], [100, 50])
    got = await fetchImage(legacy.imageTransform(url.photo, { format: 'png', crop: '150,100' }))
    assert.deepEqual([got.meta.format, got.meta.width, got.meta.height], ['png', 150, 100])
    got = await fetchImage(legacy.imageTransform(url.photo, { height: 100, width: 200, disable: 'upscale' }))
    assert.deepEqual([got.meta.width, got.meta.height], [200, 100])
    got = await fetchImage(legacy.imageTransform(url.photo, { width: 50, format: 'webp', quality: 50 }))
    assert.deepEqual([got.meta.format, got.meta.width], ['webp', 50])
  })

  it('parameters the API does not know come back named in Fastly-IO-Warning', async () => {
    const got = await fetchImage(legacy.imageTransform(url.photo, { width: 'wide', height: 20, colour: 'red' }))
    assert.deepEqual([got.meta.width, got.meta.height], [40, 20])
    assert.equal(got.res.headers.get('fastly-io-warning'), 'invalid width=wide; unknown parameter colour')
  })
})
