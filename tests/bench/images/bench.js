'use strict'
// Benchmark of the Image Delivery API against sharp (libvips), in one run on one machine:
// a 2000x1500 JPEG resized to width 300, as JPEG and as WebP (quality 80 on both sides).
//
//   sharp          sharp.concurrency(1), its cache off, one operation at a time
//   mock uncached  --image-workers 1 --image-cache-bytes 0, one request at a time over a
//                  kept-alive connection (the HTTP round trip is counted against the mock)
//   mock cached    the same URL again and again (the variant comes from the cache),
//                  beside a plain download of a stored file of the same size
//
// Usage: run.sh (installs sharp, picks the release binary). Knobs: CSMOCK_BIN,
// IMAGE_BENCH_SECONDS (per row, 5), IMAGE_BENCH_CONNECTIONS (for the cached rows, 32),
// IMAGE_BENCH_SMOKE=1 (a fraction of a second per row: only proves every row works).

const http = require('node:http')
const sharp = require('sharp')

const { startServer } = require('../../lib/mock')

const SMOKE = process.env.IMAGE_BENCH_SMOKE === '1'
const SECONDS = Number(process.env.IMAGE_BENCH_SECONDS || (SMOKE ? 0.3 : 5))
const CONNECTIONS = Number(process.env.IMAGE_BENCH_CONNECTIONS || 32)
const API_KEY = 'blt0000000000000001'
const TOKEN = 'cs00000000000000000000000000000001'
const QUALITY = 80

/** A photo-like 2000x1500 picture: smooth shapes, edges and a little grain. */
async function sourceJpeg () {
  const width = 2000
  const height = 1500
  const raw = Buffer.alloc(width * height * 3)
  let seed = 7
  const grain = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >> 16) % 9 - 4 }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const inCircle = (x - 1200) ** 2 + (y - 700) ** 2 < 400 ** 2
      const r = 128 + 100 * Math.sin(x / 180) * Math.cos(y / 240)
      const g = inCircle ? 200 : 90 + 60 * Math.sin((x + y) / 300)
      const b = 140 + 80 * Math.cos(x / 90 + y / 400)
      raw[i] = Math.max(0, Math.min(255, r + grain()))
      raw[i + 1] = Math.max(0, Math.min(255, g + grain()))
      raw[i + 2] = Math.max(0, Math.min(255, b + grain()))
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
}

/** Runs `op` one at a time for the configured time; returns operations per second. */
async function sequential (op) {
  await op() // warm up, and fail early
  const end = performance.now() + SECONDS * 1000
  let count = 0
  const start = performance.now()
  while (performance.now() < end) {
    await op()
    count++
  }
  return count / ((performance.now() - start) / 1000)
}

/** Runs `op` on `n` concurrent loops for the configured time; returns operations per second. */
async function concurrent (n, op) {
  await op()
  const start = performance.now()
  const end = start + SECONDS * 1000
  let count = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (performance.now() < end) {
      await op()
      count++
    }
  }))
  return count / ((performance.now() - start) / 1000)
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })

/** GET `url`; returns { status, headers, body } and checks 200 and the length. */
function get (url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        if (res.statusCode !== 200 || body.length !== Number(res.headers['content-length'])) {
          reject(new Error(`${url} → ${res.statusCode}, ${body.length} bytes`))
        } else {
          resolve({ headers: res.headers, body })
        }
      })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** The binary under test with `flags`, through the test kit (tests/lib/mock.js): { base, stop() }. */
function startMock (flags) {
  return startServer({ args: flags })
}

async function upload (base, bytes, filename) {
  const form = new FormData()
  form.append('asset[upload]', new Blob([bytes]), filename)
  const res = await fetch(`${base}/v3/assets`, { method: 'POST', body: form, headers: { api_key: API_KEY, authorization: TOKEN } })
  if (res.status !== 201) throw new Error(`upload → ${res.status} ${await res.text()}`)
  const { asset } = await res.json()
  return base + '/v3/' + asset.url.split('/v3/')[1]
}

function fmt (n) {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1)
}

async function main () {
  const input = await sourceJpeg()
  const meta = await sharp(input).metadata()
  console.log(`source: ${meta.width}x${meta.height} JPEG, ${(input.length / 1024).toFixed(0)} KiB; ${SECONDS} s per row${SMOKE ? ' (smoke)' : ''}`)

  sharp.concurrency(1)
  sharp.cache(false)
  const rows = []
  const sharpJpeg = await sequential(() => sharp(input).resize(300).jpeg({ quality: QUALITY }).toBuffer())
  const sharpWebp = await sequential(() => sharp(input).resize(300).webp({ quality: QUALITY }).toBuffer())

  const uncached = await startMock(['--image-workers', '1', '--image-cache-bytes', '0'])
  const url = await upload(uncached.base, input, 'photo.jpg')
  const jpegQuery = `?width=300&format=jpg&quality=${QUALITY}`
  const webpQuery = `?width=300&format=webp&quality=${QUALITY}`
  for (const [query, format] of [[jpegQuery, 'jpeg'], [webpQuery, 'webp']]) {
    const { body } = await get(url + query)
    const out = await sharp(body).metadata()
    if (out.format !== format || out.width !== 300 || out.height !== 225) {
      throw new Error(`${query} gave ${out.format} ${out.width}x${out.height}`)
    }
  }
  const mockJpeg = await sequential(() => get(url + jpegQuery))
  const mockWebp = await sequential(() => get(url + webpQuery))
  await uncached.stop()
  rows.push(['2000x1500 JPEG → 300 px JPEG, uncached', sharpJpeg, mockJpeg])
  rows.push(['2000x1500 JPEG → 300 px WebP, uncached', sharpWebp, mockWebp])

  const cached = await startMock([])
  const cachedUrl = await upload(cached.base, input, 'photo.jpg')
  const variant = (await get(cachedUrl + jpegQuery)).body
  // A stored file of the variant's size: what a plain download of the same bytes costs.
  const plainUrl = await upload(cached.base, variant, 'same-size.bin')
  const cached1 = await sequential(() => get(cachedUrl + jpegQuery))
  const download1 = await sequential(() => get(plainUrl))
  const cachedN = await concurrent(CONNECTIONS, () => get(cachedUrl + jpegQuery))
  const downloadN = await concurrent(CONNECTIONS, () => get(plainUrl))
  await cached.stop()

  console.log()
  console.log('| workload (one at a time) | sharp ops/s | mock ops/s | mock / sharp |')
  console.log('|---|---:|---:|---:|')
  for (const [name, s, m] of rows) console.log(`| ${name} | ${fmt(s)} | ${fmt(m)} | ${(m / s).toFixed(2)}x |`)
  console.log()
  console.log(`| cached variant (${(variant.length / 1024).toFixed(1)} KiB) | variant req/s | download of a same-size file req/s | variant / download |`)
  console.log('|---|---:|---:|---:|')
  console.log(`| 1 connection | ${fmt(cached1)} | ${fmt(download1)} | ${(cached1 / download1).toFixed(2)}x |`)
  console.log(`| ${CONNECTIONS} connections | ${fmt(cachedN)} | ${fmt(downloadN)} | ${(cachedN / downloadN).toFixed(2)}x |`)
  agent.destroy()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
