import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PeerDispatcher } from '../../../src/bindings/dispatcher.js'
import {
  DspHttpClient,
  DspHttpServer,
  IdTokenAuthenticator,
  IdTokenIssuer,
} from '../../../src/bindings/http/index.js'
import { buildLibp2p, P2pDspEndpoint, PeerAdmission } from '../../../src/bindings/p2p/index.js'
import { sameDataspacePolicy } from '../../../src/dataspace/index.js'
import { generateNodeKey, type NodeKey } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import {
  createContractNegotiation,
  createContractRequestMessage,
  type DspMessage,
  NotFoundError,
} from '../../../src/protocol/index.js'

describe("PeerDispatcher: the one place that knows this node's addresses", () => {
  const log = createSilentLogger()
  let key: NodeKey
  let dispatcher: PeerDispatcher
  let server: DspHttpServer
  /** What the DSP HTTP listener was handed, and by whom. */
  const heard: { type: string; caller: string }[] = []

  before(async () => {
    key = await generateNodeKey()
    const admission = new PeerAdmission(log, sameDataspacePolicy('suedwest'))
    // Built, never started: the dispatcher only names addresses here.
    const libp2p = await buildLibp2p({
      privateKey: key.privateKey,
      dataspace: 'suedwest',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      admission,
    })
    const endpoint = new P2pDspEndpoint(libp2p, admission, log)
    dispatcher = new PeerDispatcher(endpoint, new DspHttpClient({ tokens: new IdTokenIssuer({ key }) }), {
      peerId: key.peerId.toString(),
    })
    const notHere = async () => {
      throw new NotFoundError('no catalog in this test')
    }
    server = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: key.did, baseUrl: () => server.baseUrl }),
      services: {
        addressing: dispatcher,
        catalog: notHere,
        dataset: notHere,
        negotiations: {
          handle: async (message: DspMessage, caller: string) => {
            heard.push({ type: message['@type'] as string, caller })
            return createContractNegotiation({
              providerPid: 'urn:uuid:provider-1',
              consumerPid: 'urn:uuid:consumer-1',
              state: 'REQUESTED',
            })
          },
          describe: notHere,
        },
      },
      log,
    })
  })
  after(() => server.stop())

  it('names its libp2p address by its PeerId, and no HTTP address before the DSP listener runs', () => {
    assert.equal(dispatcher.ownAddress('libp2p'), `/p2p/${key.peerId.toString()}`)
    assert.equal(dispatcher.ownAddress('http'), undefined)
    assert.equal(dispatcher.httpDataEndpoint('urn:uuid:transfer-1'), undefined)
  })

  it("names the DSP listener's base and its HttpData-PULL endpoints once it listens", async () => {
    const base = await server.start()
    dispatcher.listenOverHttp(server)
    assert.equal(dispatcher.ownAddress('http'), base)
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/dsp\/2025-1$/)
    assert.equal(dispatcher.httpDataEndpoint('urn:uuid:transfer-1'), `${base}/data/urn%3Auuid%3Atransfer-1`)
  })

  it('reaches a peer at an http(s) address over DSP HTTP and every other over libp2p', () => {
    assert.equal(dispatcher.bindingOf('https://kusel.example/dsp/2025-1'), 'http')
    assert.equal(dispatcher.bindingOf(`/p2p/${key.peerId.toString()}`), 'libp2p')
    assert.equal(dispatcher.bindingOf(undefined), 'libp2p')
  })

  it('sends a message over DSP HTTP to a peer whose route is an http(s) address, and over libp2p otherwise', async () => {
    const base = server.baseUrl ?? (await server.start())
    const request = createContractRequestMessage({
      consumerPid: 'urn:uuid:consumer-1',
      callbackAddress: base,
      offer: {
        '@type': 'Offer',
        '@id': 'urn:allmende:offer:pegel',
        target: 'urn:allmende:dataset:pegel',
        permission: [{ action: 'use' }],
      },
    })
    const negotiations = dispatcher.messenger('negotiation')
    const answer = await negotiations.send(key.did, request, { callbackAddress: base, recipient: 'provider' })
    assert.equal(answer['@type'], 'ContractNegotiation')
    assert.deepEqual(heard, [{ type: 'ContractRequestMessage', caller: key.did }])
    // A /p2p/ address (or none) goes to libp2p: this node's libp2p is not started, so the send fails there
    // and the HTTP listener hears nothing more.
    for (const route of [
      { callbackAddress: `/p2p/${key.peerId.toString()}`, recipient: 'provider' as const },
      undefined,
    ]) {
      await assert.rejects(negotiations.send(key.did, request, route))
    }
    assert.equal(heard.length, 1)
  })
})
