import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isHttpAddress } from '../../../../src/bindings/dispatcher.js'
import {
  DspHttpClient,
  DspHttpServer,
  IdTokenAuthenticator,
  IdTokenIssuer,
} from '../../../../src/bindings/http/index.js'
import { generateNodeKey, type NodeKey } from '../../../../src/identity/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import {
  AllmendeError,
  createContractNegotiationEventMessage,
  ERROR_TABLE,
  errorReply,
  isRefusalCode,
  isRemoteRefusal,
  PeerUnreachableError,
  RemoteDspError,
} from '../../../../src/protocol/index.js'

const PIDS = { providerPid: 'urn:uuid:p', consumerPid: 'urn:uuid:c' }
const EVENT = createContractNegotiationEventMessage({ ...PIDS, eventType: 'ACCEPTED' })

/** What the client throws for one message the peer refuses. */
async function refusalOf(send: () => Promise<unknown>): Promise<unknown> {
  return send().then(
    () => assert.fail('the message was accepted'),
    (error: unknown) => error,
  )
}

describe('DspHttpClient reads a refusal as the libp2p client does', () => {
  let key: NodeKey
  let client: DspHttpClient
  let server: DspHttpServer
  /** The error the peer's negotiation service throws next. */
  let next: Error
  /** A peer that is no DSP server: it answers every request with `plain`. */
  let plain: { status: number; body: string }
  let proxy: Server
  let proxyUrl: string

  before(async () => {
    key = await generateNodeKey()
    client = new DspHttpClient({ tokens: new IdTokenIssuer({ key }) })
    const refuse = async (): Promise<never> => {
      throw next
    }
    server = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: key.did, baseUrl: () => server.baseUrl }),
      services: {
        addressing: { bindingOf: (address) => (isHttpAddress(address) ? 'http' : 'libp2p') },
        catalog: refuse,
        dataset: refuse,
        negotiations: { handle: refuse, describe: refuse },
      },
      log: createSilentLogger(),
    })
    await server.start()
    proxy = createServer((_req, res) => {
      res.writeHead(plain.status, { 'content-type': 'text/html' }).end(plain.body)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/dsp/2025-1`
  })

  after(async () => {
    await server.stop()
    proxy.closeAllConnections()
    await new Promise<void>((resolve) => proxy.close(() => resolve()))
  })

  it('every status of the error table: the peer code, the status, and final exactly when the table says so', async () => {
    // One code for each status and exposure: the rest of a row's kind answers alike.
    const kinds = new Map(
      Object.entries(ERROR_TABLE).map(([code, row]) => [`${row.status} ${row.exposed}`, code]),
    )
    for (const code of kinds.values()) {
      next = new AllmendeError(code, `refused with ${code}`)
      const { status, code: sent } = errorReply(next)
      const error = await refusalOf(() => client.send(key.did, server.baseUrl!, 'provider', EVENT))
      assert.ok(error instanceof RemoteDspError, `${code}: ${String(error)}`)
      assert.equal(error.remoteCode, sent, code)
      assert.equal(error.status, status, code)
      assert.equal(isRemoteRefusal(error), isRefusalCode(sent), code)
    }
  })

  it('an answer without a DSP error is judged by its status: 4xx final, 429 and 5xx tried again', async () => {
    const cases = [
      { status: 404, body: '<h1>Not Found</h1>', final: true },
      { status: 429, body: '', final: false },
      { status: 502, body: '<h1>Bad Gateway</h1>', final: false },
    ]
    for (const { status, body, final } of cases) {
      plain = { status, body }
      const error = await refusalOf(() => client.send(key.did, proxyUrl, 'provider', EVENT))
      assert.equal(isRemoteRefusal(error), final, `${status}: ${String(error)}`)
      if (final) assert.equal((error as RemoteDspError).remoteCode, `HTTP_${status}`)
      else assert.ok(error instanceof PeerUnreachableError, `${status}: ${String(error)}`)
    }
  })

  it("another connector's own code is judged by the status it came with", () => {
    assert.equal(isRemoteRefusal(new RemoteDspError('EDC_BUSY', [], 503)), false)
    assert.equal(isRemoteRefusal(new RemoteDspError('EDC_BAD_REQUEST', [], 400)), true)
    assert.equal(isRemoteRefusal(new RemoteDspError('EDC_BAD_REQUEST', [])), true, 'without a status: final')
    assert.equal(
      isRemoteRefusal(new RemoteDspError('ALLMENDE_RATE_LIMITED', [], 400)),
      false,
      'our code: the table',
    )
  })
})
