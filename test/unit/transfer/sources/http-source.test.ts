import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  openSource,
  type SecretsLookup,
  SourceCredentialError,
  SourceError,
  SourceRangeError,
  SourceResponseError,
  SourceUnavailableError,
} from '../../../../src/transfer/sources/index.js'

const MiB = 1024 * 1024
const TOKEN = 'Bearer kusel-geheim-7f3a9c1e5d'
const secrets: SecretsLookup = (ref) => {
  if (ref === 'kusel-api') return { authorization: TOKEN }
  if (ref === 'kusel-basic') return { username: 'pegel', password: 'Glan-Passwort-2026' }
  if (ref === 'kusel-key') return { headers: { 'X-Api-Key': 'key-0815-abcdef' } }
  return undefined
}

interface Started {
  server: Server
  url: string
  seen: IncomingMessage[]
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Started> {
  const seen: IncomingMessage[] = []
  const server = createServer((req, res) => {
    seen.push(req)
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; maxChunk: number }> {
  const parts: Uint8Array[] = []
  let maxChunk = 0
  for await (const chunk of chunks) {
    maxChunk = Math.max(maxChunk, chunk.byteLength)
    parts.push(chunk)
  }
  return { bytes: Buffer.concat(parts), maxChunk }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

describe('openSource({kind: http})', () => {
  const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + 3) & 0xff))
  let origin: Started
  let elsewhere: Started

  function serveBytes(req: IncomingMessage, res: ServerResponse, body: Buffer, ranges: boolean): void {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (ranges && range !== null) {
      const start = Number(range[1])
      const end = range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1)
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` })
        res.end()
        return
      }
      res.writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': end - start + 1,
      })
      res.end(body.subarray(start, end + 1))
      return
    }
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length })
    res.end(body)
  }

  before(async () => {
    const large = Buffer.alloc(50 * MiB, 0x2a)
    elsewhere = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('other host')
    })
    origin = await listen((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/ranged.bin') return serveBytes(req, res, content, true)
      if (path === '/plain.csv') return serveBytes(req, res, content, false)
      if (path === '/large.bin') return serveBytes(req, res, large, false)
      if (path === '/protected.csv') {
        if (req.headers.authorization !== TOKEN) {
          res.writeHead(401, { 'content-type': 'text/plain' })
          res.end('no')
          return
        }
        return serveBytes(req, res, content, true)
      }
      if (path === '/basic.csv') {
        const expected = `Basic ${Buffer.from('pegel:Glan-Passwort-2026').toString('base64')}`
        res.writeHead(req.headers.authorization === expected ? 200 : 401)
        res.end('ok')
        return
      }
      if (path === '/keyed.csv') {
        res.writeHead(req.headers['x-api-key'] === 'key-0815-abcdef' ? 200 : 403)
        res.end('ok')
        return
      }
      if (path === '/away') {
        res.writeHead(302, { location: `${elsewhere.url}/landing` })
        res.end()
        return
      }
      if (path === '/moved') {
        res.writeHead(301, { location: '/protected.csv' })
        res.end()
        return
      }
      if (path === '/busy') {
        res.writeHead(503, { 'content-type': 'text/plain' })
        res.end('maintenance until 18:00')
        return
      }
      if (path === '/slow') return // never answers
      // A careless server that echoes the request's credentials in its error page.
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end(
        `not found; you sent authorization=${req.headers.authorization} key=${req.headers['x-api-key']}`,
      )
    })
  })
  after(async () => {
    for (const s of [origin, elsewhere]) {
      s.server.closeAllConnections()
      await new Promise((resolve) => s.server.close(resolve))
    }
  })

  it('streams a resource with its Content-Type and Content-Length', async () => {
    const source = await openSource({ kind: 'http', url: `${origin.url}/plain.csv` })
    assert.equal(source.mediaType, 'text/csv')
    assert.equal(source.size, content.length)
    assert.equal(sha256((await drain(source.chunks)).bytes), sha256(content))
  })

  it('resumes with a Range request when the server supports it', async () => {
    const cut = 77_777
    const tail = await openSource(
      { kind: 'http', url: `${origin.url}/ranged.bin` },
      { range: { offset: cut } },
    )
    assert.equal(origin.seen.at(-1)?.headers.range, `bytes=${cut}-`)
    assert.equal(tail.size, content.length)
    const head = await openSource(
      { kind: 'http', url: `${origin.url}/ranged.bin` },
      { range: { offset: 0, length: cut } },
    )
    const joined = Buffer.concat([(await drain(head.chunks)).bytes, (await drain(tail.chunks)).bytes])
    assert.equal(sha256(joined), sha256(content))
  })

  it('resumes by skipping bytes when the server ignores Range', async () => {
    const cut = 150_001
    const tail = await openSource(
      { kind: 'http', url: `${origin.url}/plain.csv` },
      { range: { offset: cut, length: 1000 } },
    )
    assert.deepEqual((await drain(tail.chunks)).bytes, content.subarray(cut, cut + 1000))
  })

  it('reports an offset past the end as SourceRangeError (416 and 200 alike)', async () => {
    await assert.rejects(
      openSource(
        { kind: 'http', url: `${origin.url}/ranged.bin` },
        { range: { offset: content.length + 10 } },
      ),
      SourceRangeError,
    )
    await assert.rejects(
      openSource(
        { kind: 'http', url: `${origin.url}/plain.csv` },
        { range: { offset: content.length + 10 } },
      ),
      SourceRangeError,
    )
  })

  it('sends a bearer secret from the node’s secrets (the server checks it)', async () => {
    const source = await openSource(
      { kind: 'http', url: `${origin.url}/protected.csv`, credentialRef: 'kusel-api' },
      { secrets },
    )
    assert.equal(sha256((await drain(source.chunks)).bytes), sha256(content))
    await assert.rejects(
      openSource({ kind: 'http', url: `${origin.url}/protected.csv` }),
      (error: unknown) => error instanceof SourceResponseError && error.status === 401,
    )
  })

  it('sends basic credentials and secret headers', async () => {
    const basic = await openSource(
      { kind: 'http', url: `${origin.url}/basic.csv`, credentialRef: 'kusel-basic' },
      { secrets },
    )
    assert.equal((await drain(basic.chunks)).bytes.toString(), 'ok')
    const keyed = await openSource(
      { kind: 'http', url: `${origin.url}/keyed.csv`, credentialRef: 'kusel-key' },
      { secrets },
    )
    assert.equal((await drain(keyed.chunks)).bytes.toString(), 'ok')
  })

  it('answers 404 with a clear error that carries status and URL but never the secret', async () => {
    for (const ref of ['kusel-api', 'kusel-basic', 'kusel-key']) {
      const url = `${origin.url}/missing.csv`
      await assert.rejects(
        openSource({ kind: 'http', url, credentialRef: ref }, { secrets }),
        (error: unknown) => {
          assert.ok(error instanceof SourceResponseError)
          assert.equal(error.code, 'ALLMENDE_SOURCE_RESPONSE')
          assert.equal(error.status, 404)
          assert.equal(error.url, url)
          assert.match(error.message, /HTTP 404/)
          assert.match(error.message, /missing\.csv/)
          const everything = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`
          for (const secret of ['kusel-geheim-7f3a9c1e5d', 'Glan-Passwort-2026', 'key-0815-abcdef']) {
            assert.ok(!everything.includes(secret), `${ref}: secret leaked in ${error.message}`)
          }
          assert.ok(!everything.includes(Buffer.from('pegel:Glan-Passwort-2026').toString('base64')))
          return true
        },
      )
    }
  })

  it('names an unknown credentialRef without guessing at values', async () => {
    await assert.rejects(
      openSource({ kind: 'http', url: `${origin.url}/plain.csv`, credentialRef: 'nirgends' }, { secrets }),
      (error: unknown) => error instanceof SourceCredentialError && /"nirgends"/.test(error.message),
    )
    await assert.rejects(
      openSource({ kind: 'http', url: `${origin.url}/plain.csv`, credentialRef: 'kusel-api' }),
      SourceCredentialError,
    )
  })

  it('follows a same-origin redirect with credentials, and sends none to another origin', async () => {
    const moved = await openSource(
      { kind: 'http', url: `${origin.url}/moved`, credentialRef: 'kusel-api' },
      { secrets },
    )
    assert.equal(sha256((await drain(moved.chunks)).bytes), sha256(content))
    const away = await openSource(
      { kind: 'http', url: `${origin.url}/away`, credentialRef: 'kusel-api' },
      { secrets },
    )
    assert.equal((await drain(away.chunks)).bytes.toString(), 'other host')
    assert.equal(elsewhere.seen.at(-1)?.headers.authorization, undefined)
  })

  it('reports 503 and a refused connection as SourceUnavailableError', async () => {
    await assert.rejects(
      openSource({ kind: 'http', url: `${origin.url}/busy` }),
      (error: unknown) =>
        error instanceof SourceUnavailableError && error.status === 503 && /maintenance/.test(error.message),
    )
    const closed = await listen(() => undefined)
    const url = closed.url
    await new Promise((resolve) => closed.server.close(resolve))
    await assert.rejects(openSource({ kind: 'http', url: `${url}/x` }), SourceUnavailableError)
  })

  it('turns a time limit on the AbortSignal into SourceUnavailableError', async () => {
    await assert.rejects(
      openSource({ kind: 'http', url: `${origin.url}/slow` }, { signal: AbortSignal.timeout(100) }),
      (error: unknown) =>
        error instanceof SourceUnavailableError &&
        /time limit/.test(error.message) &&
        error instanceof SourceError,
    )
  })

  it('streams 50 MiB in chunks of at most 1 MiB', async () => {
    const source = await openSource({ kind: 'http', url: `${origin.url}/large.bin` })
    let total = 0
    let maxChunk = 0
    for await (const chunk of source.chunks) {
      total += chunk.byteLength
      maxChunk = Math.max(maxChunk, chunk.byteLength)
    }
    assert.equal(total, 50 * MiB)
    assert.ok(maxChunk <= MiB, `largest chunk ${maxChunk}`)
  })
})
