import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { HttpDataPuller } from '../../../../src/bindings/http/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import type { DataAddress } from '../../../../src/protocol/index.js'
import { PeerUnreachableError } from '../../../../src/protocol/index.js'
import {
  ContentMismatchError,
  DataProtocolError,
  FileSink,
  fileLength,
  HTTP_ENDPOINT_TYPE,
  type PullTarget,
  RemoteDataError,
} from '../../../../src/transfer/index.js'
import { tempDir } from '../../../support/temp-dir.js'

const CONTENT = randomBytes(2 * 1024 * 1024 + 333)
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

type Handler = (req: IncomingMessage, res: ServerResponse) => void

describe('HttpDataPuller.pull(peer, request, target, signal, address)', () => {
  let server: Server
  let url: string
  let dir: string
  let handler: Handler = () => undefined
  const seen: { authorization?: string; range?: string; encoding?: string }[] = []

  before(async () => {
    dir = await tempDir('allmende-http-puller-')
    server = createServer((req, res) => {
      seen.push({
        ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
        ...(req.headers.range === undefined ? {} : { range: req.headers.range }),
        ...(req.headers['accept-encoding'] === undefined ? {} : { encoding: req.headers['accept-encoding'] }),
      })
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/data/t1`
  })

  after(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const address = (endpoint = url): DataAddress =>
    ({
      '@type': 'DataAddress',
      endpointType: HTTP_ENDPOINT_TYPE,
      endpoint,
      endpointProperties: [
        { '@type': 'EndpointProperty', name: 'authorization', value: 'tok-1' },
        { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
      ],
    }) as DataAddress

  /** A file holding the first `held` bytes of the content, and a pull target over it. */
  async function targetWith(name: string, held: number): Promise<{ path: string; target: PullTarget }> {
    const path = join(dir, name)
    await writeFile(path, CONTENT.subarray(0, held))
    const sink = await FileSink.open(path, await fileLength(path))
    const target: PullTarget = {
      begin: async () => undefined,
      write: (chunk) => sink.write(chunk),
      get written() {
        return sink.written
      },
      finish: () => Promise.reject(new Error('no receipts over HTTP')),
      settle: () => sink.settle(),
    }
    return { path, target }
  }

  /** Serves the content from `Range` (206) or from 0 (200, `ranges` off). */
  const serve =
    (ranges = true): Handler =>
    (req, res) => {
      const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
      const start = ranges && match !== null ? Number(match[1]) : 0
      if (start > 0 && start >= CONTENT.byteLength) {
        res.writeHead(416, { 'content-range': `bytes */${CONTENT.byteLength}` })
        res.end()
        return
      }
      res.writeHead(start > 0 ? 206 : 200, {
        'content-length': String(CONTENT.byteLength - start),
        ...(start > 0
          ? { 'content-range': `bytes ${start}-${CONTENT.byteLength - 1}/${CONTENT.byteLength}` }
          : {}),
      })
      res.end(CONTENT.subarray(start))
    }

  const pull = (target: PullTarget, init: { idleTimeoutMs?: number } = {}, endpoint?: string) =>
    new HttpDataPuller({ log: createSilentLogger(), ...init }).pull(
      'did:key:zProvider',
      { token: 'tok-1', agreementId: 'urn:uuid:a', offset: target.written },
      target,
      new AbortController().signal,
      address(endpoint),
    )

  it('pulls the whole content with the bearer token, no transfer coding, and settles with its totals', async () => {
    handler = serve()
    seen.length = 0
    const { path, target } = await targetWith('whole.bin', 0)
    const totals = await pull(target)
    assert.deepEqual(totals, { bytes: CONTENT.byteLength, sha256: sha256(CONTENT) })
    assert.equal(sha256(await readFile(path)), sha256(CONTENT))
    assert.deepEqual(seen, [{ authorization: 'Bearer tok-1', encoding: 'identity' }])
  })

  it('resumes after the bytes held with "Range: bytes=N-" (206); the hash covers the whole file', async () => {
    handler = serve()
    seen.length = 0
    const { path, target } = await targetWith('ranged.bin', 1_000_001)
    const totals = await pull(target)
    assert.deepEqual(totals, { bytes: CONTENT.byteLength, sha256: sha256(CONTENT) })
    assert.equal(seen[0]!.range, 'bytes=1000001-')
    assert.equal(sha256(await readFile(path)), sha256(CONTENT))
  })

  it('skips the bytes held when the provider ignores the range and answers 200', async () => {
    handler = serve(false)
    const { path, target } = await targetWith('unranged.bin', 777)
    const totals = await pull(target)
    assert.deepEqual(totals, { bytes: CONTENT.byteLength, sha256: sha256(CONTENT) })
    assert.equal(sha256(await readFile(path)), sha256(CONTENT))
  })

  it('settles at once when the file holds everything (416 naming that length)', async () => {
    handler = serve()
    const { target } = await targetWith('complete.bin', CONTENT.byteLength)
    assert.deepEqual(await pull(target), { bytes: CONTENT.byteLength, sha256: sha256(CONTENT) })
  })

  it('a refusal is a RemoteDataError with the provider code and reasonCode (or HTTP_<status>)', async () => {
    handler = (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ code: 'ALLMENDE_DATA_ACCESS_DENIED', reasonCode: 'POLICY_DENIED', reason: ['no'] }),
      )
    }
    const { target } = await targetWith('refused.bin', 0)
    await assert.rejects(pull(target), (error: unknown) => {
      assert.ok(error instanceof RemoteDataError)
      assert.equal(error.remoteCode, 'ALLMENDE_DATA_ACCESS_DENIED')
      assert.equal(error.reasonCode, 'POLICY_DENIED')
      assert.equal(error.message, 'no')
      return true
    })
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('gone')
    }
    await assert.rejects(
      pull((await targetWith('gone.bin', 0)).target),
      (error: unknown) => error instanceof RemoteDataError && error.reasonCode === 'HTTP_404',
    )
  })

  it('a 5xx or a refused connection is a transport failure (retried by the transfer service)', async () => {
    handler = (_req, res) => {
      res.writeHead(503)
      res.end('busy')
    }
    await assert.rejects(pull((await targetWith('busy.bin', 0)).target), PeerUnreachableError)
    await assert.rejects(
      pull((await targetWith('closed.bin', 0)).target, {}, 'http://127.0.0.1:1/data/t1'),
      PeerUnreachableError,
    )
  })

  it('a body cut short keeps what arrived and fails for a resumption', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(CONTENT.byteLength) })
      res.write(CONTENT.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20))
    }
    const { path, target } = await targetWith('cut.bin', 0)
    await assert.rejects(pull(target))
    assert.equal(target.written, 100_000)
    assert.deepEqual(await readFile(path), CONTENT.subarray(0, 100_000))
  })

  it('more bytes than announced, or a range from elsewhere, is a content mismatch', async () => {
    handler = (_req, res) => {
      res.writeHead(206, { 'content-range': `bytes 5-${CONTENT.byteLength - 1}/${CONTENT.byteLength}` })
      res.end(CONTENT.subarray(5))
    }
    await assert.rejects(pull((await targetWith('elsewhere.bin', 10)).target), ContentMismatchError)
    handler = (_req, res) => {
      res.writeHead(206, { 'content-range': 'bytes 10-19/20' })
      res.end(Buffer.alloc(50))
    }
    await assert.rejects(pull((await targetWith('more.bin', 10)).target), ContentMismatchError)
  })

  it('a stalled body fails after the idle timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' })
      res.write(Buffer.alloc(10))
    }
    await assert.rejects(
      pull((await targetWith('stalled.bin', 0)).target, { idleTimeoutMs: 200 }),
      DataProtocolError,
    )
    server.closeAllConnections()
  })

  it('refuses a data address without an http(s) endpoint', async () => {
    const { target } = await targetWith('nowhere.bin', 0)
    await assert.rejects(pull(target, {}, '/p2p/12D3KooWNotHttp'), DataProtocolError)
  })
})
