// Two real NegotiationServices over the real HTTP binding on 127.0.0.1, no libp2p: the binding is
// thin, the domain decides, and an Allmende consumer countersigns over HTTP as over libp2p.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AuditLog } from '../../../../src/audit/index.js'
import { isHttpAddress } from '../../../../src/bindings/dispatcher.js'
import {
  DspHttpClient,
  DspHttpServer,
  IdTokenAuthenticator,
  IdTokenIssuer,
} from '../../../../src/bindings/http/index.js'
import { type ContractDecision, NegotiationService } from '../../../../src/contract/index.js'
import { verifyAgreementCredential } from '../../../../src/credentials/index.js'
import { generateNodeKey, type NodeKey } from '../../../../src/identity/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import type { MessageOffer } from '../../../../src/protocol/index.js'
import { Store } from '../../../../src/store/index.js'
import { tempDir } from '../../../support/temp-dir.js'

const OFFER: MessageOffer = { '@id': 'urn:offer:1', '@type': 'Offer', permission: [{ action: 'use' }] }
const DATASET = 'urn:uuid:dataset-1'
/** Which binding an address means, as the dispatcher judges it. */
const HTTP_ONLY = {
  bindingOf: (address: string | undefined) => (isHttpAddress(address) ? 'http' : 'libp2p'),
} as const

interface Side {
  key: NodeKey
  store: Store
  negotiations: NegotiationService
  server?: DspHttpServer
}

async function side(root: string, name: string, options: { listen: boolean }): Promise<Side> {
  const key = await generateNodeKey()
  const store = await Store.open(join(root, name))
  const clock = () => new Date()
  const log = createSilentLogger()
  const client = new DspHttpClient({ tokens: new IdTokenIssuer({ key }) })
  let server: DspHttpServer | undefined
  const negotiations: NegotiationService = new NegotiationService(
    {
      store,
      audit: new AuditLog({ store, nodeKey: key, clock }),
      nodeKey: key,
      clock,
      log,
      messenger: {
        send: (peer, message, route) => {
          if (route?.callbackAddress === undefined) throw new Error('only HTTP peers in this test')
          return client.send(peer, route.callbackAddress, route.recipient, message)
        },
      },
    },
    {
      // Only HTTP peers here: the node's own address is its DSP base, when it listens.
      addressing: {
        bindingOf: HTTP_ONLY.bindingOf,
        ownAddress: (binding) => (binding === 'http' ? server?.baseUrl : undefined),
      },
      decide: async (): Promise<ContractDecision> => ({ agree: true, offer: OFFER }),
    },
  )
  if (options.listen) {
    server = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: key.did, baseUrl: () => server?.baseUrl }),
      services: {
        addressing: HTTP_ONLY,
        catalog: async () => ({}),
        dataset: async () => ({}),
        negotiations,
      },
      log,
    })
    await server.start()
  }
  await negotiations.start()
  return { key, store, negotiations, ...(server === undefined ? {} : { server }) }
}

describe('NegotiationService over the DSP HTTP binding', () => {
  let root: string
  let provider: Side
  let consumer: Side
  let mute: Side

  before(async () => {
    root = await tempDir('allmende-dsp-http-unit-')
    provider = await side(root, 'provider', { listen: true })
    consumer = await side(root, 'consumer', { listen: true })
    mute = await side(root, 'mute', { listen: false })
  })

  after(async () => {
    for (const s of [provider, consumer, mute]) {
      s.negotiations.stop()
      await s.server?.stop()
      await s.store.close()
    }
  })

  it('request -> FINALIZED with the countersigned credential on both sides (Allmende to Allmende)', async () => {
    const opened = await consumer.negotiations.request({
      provider: provider.key.did,
      datasetId: DATASET,
      offer: OFFER,
      providerAddress: `${provider.server!.baseUrl}/`,
    })
    assert.equal(opened.callbackAddress, `${provider.server!.baseUrl}/`)
    const done = await consumer.negotiations.waitFor(opened.id, ['FINALIZED'], 10_000)
    assert.equal(done.state, 'FINALIZED', JSON.stringify(done.history))
    assert.equal(done.agreementProof, 'countersigned-credential')
    const onProvider = await provider.negotiations.waitFor(done.providerPid!, ['FINALIZED'], 10_000)
    assert.equal(onProvider.state, 'FINALIZED')
    assert.equal(onProvider.callbackAddress, consumer.server!.baseUrl)
    assert.equal(onProvider.agreementProof, 'countersigned-credential')
    const record = await provider.negotiations.getAgreement(done.agreementId!)
    const verification = await verifyAgreementCredential(record!.credential)
    assert.equal(verification.verified, true, JSON.stringify(verification))
  })

  it('a consumer without a DSP listener cannot ask an HTTP provider, and says how to fix it', async () => {
    await assert.rejects(
      mute.negotiations.request({
        provider: provider.key.did,
        datasetId: DATASET,
        offer: OFFER,
        providerAddress: provider.server!.baseUrl!,
      }),
      { code: 'ALLMENDE_INVALID_INPUT', message: /--dsp-port/ },
    )
    assert.deepEqual(await mute.negotiations.list(), [])
  })

  it('an unreachable HTTP provider ends the request TERMINATED on the consumer', async () => {
    const gone = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: provider.key.did, baseUrl: () => undefined }),
      services: {
        addressing: HTTP_ONLY,
        catalog: async () => ({}),
        dataset: async () => ({}),
        negotiations: provider.negotiations,
      },
      log: createSilentLogger(),
    })
    const address = await gone.start()
    await gone.stop()
    await assert.rejects(
      consumer.negotiations.request({
        provider: provider.key.did,
        datasetId: DATASET,
        offer: OFFER,
        providerAddress: address,
      }),
      { code: 'ALLMENDE_PEER_UNREACHABLE' },
    )
    const [terminated] = (await consumer.negotiations.list()).filter((n) => n.callbackAddress === address)
    assert.equal(terminated?.state, 'TERMINATED')
    assert.equal(terminated?.history.at(-1)?.code, 'PROVIDER_UNREACHABLE')
  })
})
