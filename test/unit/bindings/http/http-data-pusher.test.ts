import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { HttpDataPusher } from '../../../../src/bindings/http/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import type { DataAddress } from '../../../../src/protocol/index.js'
import { PeerUnreachableError } from '../../../../src/protocol/index.js'
import { DataProtocolError, HTTP_ENDPOINT_TYPE, RemoteDataError } from '../../../../src/transfer/index.js'

const CONTENT = randomBytes(3 * 1024 * 1024 + 5)

describe('HttpDataPusher.push(address, delivery, signal)', () => {
  let server: Server
  let base: string
  let status = 204
  const received: {
    method?: string
    authorization?: string
    type?: string
    length?: string
    body: Buffer
  }[] = []

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        received.push({
          ...(req.method === undefined ? {} : { method: req.method }),
          ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
          ...(req.headers['content-type'] === undefined ? {} : { type: req.headers['content-type'] }),
          ...(req.headers['content-length'] === undefined ? {} : { length: req.headers['content-length'] }),
          body: Buffer.concat(chunks),
        })
        res.writeHead(status)
        res.end(status >= 400 ? 'no thanks' : '')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })

  after(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const address = (endpoint: string, extra: { name: string; value: string }[] = []): DataAddress =>
    ({
      '@type': 'DataAddress',
      endpointType: HTTP_ENDPOINT_TYPE,
      endpoint,
      endpointProperties: [
        { '@type': 'EndpointProperty', name: 'authorization', value: 'secret' },
        { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
        ...extra.map((p) => ({ '@type': 'EndpointProperty', ...p })),
      ],
    }) as DataAddress

  async function* batches(): AsyncIterable<readonly Uint8Array[]> {
    for (let at = 0; at < CONTENT.byteLength; at += 1024 * 1024) {
      yield [CONTENT.subarray(at, Math.min(at + 512 * 1024, CONTENT.byteLength))]
      if (at + 512 * 1024 < CONTENT.byteLength)
        yield [CONTENT.subarray(at + 512 * 1024, Math.min(at + 1024 * 1024, CONTENT.byteLength))]
    }
  }

  const push = (endpoint: string, extra: { name: string; value: string }[] = []) =>
    new HttpDataPusher({ log: createSilentLogger() }).push(
      address(endpoint, extra),
      { mediaType: 'text/csv', size: CONTENT.byteLength, content: batches() },
      new AbortController().signal,
    )

  it('POSTs the whole content with the bearer token, its media type and length', async () => {
    status = 204
    received.length = 0
    await push(`${base}/inbox/1`)
    assert.equal(received.length, 1)
    assert.equal(received[0]!.method, 'POST')
    assert.equal(received[0]!.authorization, 'Bearer secret')
    assert.equal(received[0]!.type, 'text/csv')
    assert.equal(received[0]!.length, String(CONTENT.byteLength))
    assert.ok(received[0]!.body.equals(CONTENT))
  })

  it('PUTs when the address says method PUT', async () => {
    received.length = 0
    await push(`${base}/inbox/2`, [{ name: 'method', value: 'put' }])
    assert.equal(received[0]!.method, 'PUT')
  })

  it('a 4xx is the consumer refusing (RemoteDataError), a 5xx or no listener a transport failure', async () => {
    status = 403
    await assert.rejects(
      push(`${base}/inbox/3`),
      (error: unknown) => error instanceof RemoteDataError && error.reasonCode === 'HTTP_403',
    )
    status = 503
    await assert.rejects(push(`${base}/inbox/4`), PeerUnreachableError)
    await assert.rejects(push('http://127.0.0.1:1/inbox'), PeerUnreachableError)
  })

  it('refuses an address that is not an http(s) endpoint', async () => {
    assert.equal(HttpDataPusher.serves(address('/p2p/12D3KooWNotHttp')), false)
    await assert.rejects(push('/p2p/12D3KooWNotHttp'), DataProtocolError)
  })
})
