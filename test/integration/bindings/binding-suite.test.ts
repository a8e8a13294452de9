import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type JsonLdObject, verifyAgreementCredential } from '../../../src/credentials/index.js'
import { generateNodeKey } from '../../../src/identity/index.js'
import {
  createContractAgreementVerificationMessage,
  createContractNegotiationEventMessage,
  createContractNegotiationTerminationMessage,
  createContractRequestMessage,
  type DspBinding,
  ERROR_TABLE,
  InvalidMessageError,
  isRemoteRefusal,
  RemoteDspError,
} from '../../../src/protocol/index.js'
import { eventually } from '../../support/cli-process.js'
import { Cluster, type NegotiationView } from '../../support/cluster.js'
import { FLOOD_WARNING, floodWarningOffer } from '../../support/offers.js'
import { Party, type PartyFace } from './party.js'

/**
 * One binding suite: the same negotiation scenarios run over libp2p and over DSP HTTP against real
 * nodes on 127.0.0.1, so both bindings are held to one behaviour. Node to node, the consumer node
 * `c` negotiates with the provider node `p` through its management API (by DID: libp2p; by DSP URL:
 * HTTP). Message by message, an in-process member (the party) speaks to `p` through each binding's
 * own client and server; a refusal must carry the same code on both, and with it the same final or
 * retryable decision and (over HTTP) the status of the one error table.
 */

const BINDINGS: readonly DspBinding[] = ['libp2p', 'http']
const PURPOSE = 'https://w3id.org/allmende#purpose'

describe('one binding suite: the same negotiation scenarios over libp2p and DSP HTTP', () => {
  let cluster: Cluster
  let party: Party
  const dataset = { automatic: '', manual: '' }
  const provider = { did: '', multiaddr: '', dspUrl: '' }

  const negotiations = async (name: string) =>
    (await cluster.api<{ negotiations: NegotiationView[] }>(name, 'GET', '/api/v1/negotiations')).body
      .negotiations
  const negotiationOf = async (name: string, consumerPid: string) =>
    (await negotiations(name)).find((n) => n.consumerPid === consumerPid)
  const reaches = (name: string, consumerPid: string, state: string) =>
    eventually(
      async () => {
        const found = await negotiationOf(name, consumerPid)
        return found?.state === state ? found : undefined
      },
      { what: `${consumerPid} to be ${state} on ${name}`, timeoutMs: 60_000 },
    )

  /** The consumer node `c` asks `p` for a contract: by DID over libp2p, by its DSP URL over HTTP. */
  async function request(binding: DspBinding, datasetId: string, purpose?: string): Promise<NegotiationView> {
    const { status, body } = await cluster.api<NegotiationView>('c', 'POST', '/api/v1/negotiations', {
      ...(binding === 'libp2p' ? { provider: provider.did } : { providerUrl: provider.dspUrl }),
      dataset: datasetId,
      ...(purpose === undefined ? {} : { purpose }),
    })
    assert.equal(status, 201, JSON.stringify(body))
    return body
  }

  /** Opens a negotiation from the party on `face` for a dataset; returns both pids. */
  async function open(face: PartyFace, datasetId: string, purpose: string | undefined = FLOOD_WARNING) {
    const catalog = await face.catalog()
    const entry = (catalog.dataset ?? []).find((d) => d['@id'] === datasetId)
    assert.ok(entry !== undefined, `the catalog over ${face.binding} lists ${datasetId}`)
    const consumerPid = `urn:uuid:${randomUUID()}`
    const request = {
      ...createContractRequestMessage({
        consumerPid,
        offer: { ...entry.hasPolicy[0]!, '@type': 'Offer', target: datasetId },
        callbackAddress: face.callbackAddress,
      }),
      ...(purpose === undefined ? {} : { [PURPOSE]: purpose }),
    }
    const ack = await face.send(request, 'provider')
    assert.equal(ack['@type'], 'ContractNegotiation')
    const { providerPid, state } = ack as { providerPid: string; state: string }
    assert.equal(state, 'REQUESTED')
    return { consumerPid, providerPid, request }
  }

  /**
   * Refusals: for each message to the provider the binding's client throws the peer's `code`, the
   * consumer's outbox would take it as final exactly when the error table makes it a refusal, and
   * over HTTP the status is the table's.
   */
  async function refused(face: PartyFace, code: string, messages: readonly unknown[]) {
    for (const message of messages) {
      const error = await face.send(message, 'provider').then(
        () => assert.fail(`over ${face.binding} the message was accepted`),
        (e: unknown) => e,
      )
      assert.ok(error instanceof RemoteDspError, `over ${face.binding}: ${String(error)}`)
      assert.equal(error.remoteCode, code, `over ${face.binding}: ${error.message}`)
      const row = ERROR_TABLE[code]!
      assert.equal(isRemoteRefusal(error), row.status < 500 && row.status !== 429)
      if (face.binding === 'http') assert.equal(face.last.status, row.status)
    }
  }

  before(async () => {
    cluster = await Cluster.create(['p', 'c'], 'allmende-bindings-', ['--dsp-port', '0'])
    const identity = (
      await cluster.api<{ did: string; multiaddrs: string[]; dsp?: string }>('p', 'GET', '/api/v1/identity')
    ).body
    provider.did = identity.did
    provider.multiaddr = identity.multiaddrs[0]!
    provider.dspUrl = identity.dsp!
    const content = JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }])
    dataset.automatic = await cluster.publish(
      'p',
      'Pegel automatisch',
      content,
      floodWarningOffer('urn:allmende:offer:auto'),
    )
    dataset.manual = await cluster.publish(
      'p',
      'Pegel von Hand',
      content,
      floodWarningOffer('urn:allmende:offer:manual'),
      {
        approval: 'manual',
      },
    )
    const key = await generateNodeKey()
    await cluster.cli(['dataspace', 'endorse', key.did, '--dir', cluster.dir('p')])
    party = new Party(key, provider)
    await party.start(join(cluster.dir('p'), 'dataspace.json'))
    await cluster.meshed(['p', 'c'])
  })

  after(async () => {
    await party?.stop()
    await cluster?.close()
    assert.deepEqual(cluster?.serverErrors ?? [], [])
  })

  for (const binding of BINDINGS) {
    describe(`over ${binding}`, () => {
      it('node to node: request -> agreement -> verification -> finalization, the same on both sides', async () => {
        const body = await request(binding, dataset.automatic, FLOOD_WARNING)
        const consumer = await reaches('c', body.consumerPid, 'FINALIZED')
        const providerSide = await reaches('p', body.consumerPid, 'FINALIZED')
        assert.deepEqual(
          consumer.history.map((h) => h.state),
          ['REQUESTED', 'AGREED', 'VERIFIED', 'FINALIZED'],
        )
        assert.deepEqual(
          providerSide.history.map((h) => h.state),
          ['REQUESTED', 'AGREED', 'VERIFIED', 'FINALIZED'],
        )
        assert.equal(consumer.agreementId, providerSide.agreementId)
        assert.equal(consumer.providerPid, providerSide.id)
        for (const name of ['p', 'c']) {
          const { body: agreement } = await cluster.api<
            Record<string, unknown> & { credential: JsonLdObject }
          >(name, 'GET', `/api/v1/agreements/${encodeURIComponent(consumer.agreementId!)}`)
          assert.equal(agreement.provider, provider.did)
          assert.equal(agreement.consumer, cluster.did('c'))
          assert.equal(agreement.purpose, FLOOD_WARNING)
          assert.equal(agreement.agreementProof, 'countersigned-credential')
          const verification = await verifyAgreementCredential(agreement.credential)
          assert.equal(verification.verified, true, JSON.stringify(verification))
        }
      })

      it('node to node: an offer not met is refused by the provider, with the same code on both sides', async () => {
        const body = await request(binding, dataset.automatic)
        const consumer = await reaches('c', body.consumerPid, 'TERMINATED')
        const providerSide = await reaches('p', body.consumerPid, 'TERMINATED')
        const ended = (n: NegotiationView) => n.history.at(-1)!
        assert.equal(ended(consumer).code, ended(providerSide).code)
        assert.match(ended(consumer).reason ?? '', /purpose/i)
      })

      it('node to node: the consumer terminates a request waiting for approval; both sides end it', async () => {
        const body = await request(binding, dataset.manual, FLOOD_WARNING)
        const waiting = await reaches('p', body.consumerPid, 'REQUESTED')
        await cluster.api('c', 'POST', `/api/v1/negotiations/${encodeURIComponent(body.id)}/terminate`, {
          reason: 'no longer needed',
        })
        const providerSide = await reaches('p', body.consumerPid, 'TERMINATED')
        assert.equal(providerSide.id, waiting.id)
        assert.match(providerSide.history.at(-1)!.reason ?? '', /no longer needed/)
      })

      it('the provider terminates: its termination reaches the consumer over the same binding', async () => {
        const face = party.face(binding)
        const { consumerPid, providerPid } = await open(face, dataset.manual)
        await cluster.api('p', 'POST', `/api/v1/negotiations/${encodeURIComponent(providerPid)}/terminate`, {
          reason: 'not this time',
        })
        const termination = await party.received(consumerPid, 'ContractNegotiationTerminationMessage')
        assert.equal((termination as { providerPid: string }).providerPid, providerPid)
      })

      it('a repeated request is answered as the first and opens no second negotiation', async () => {
        const face = party.face(binding)
        const { consumerPid, providerPid, request } = await open(face, dataset.manual)
        const again = (await face.send(request, 'provider')) as { providerPid: string; state: string }
        assert.equal(again.providerPid, providerPid)
        assert.equal(again.state, 'REQUESTED')
        const opened = (await negotiations('p')).filter((n) => n.consumerPid === consumerPid)
        assert.equal(opened.length, 1)
      })

      it('a move out of turn is refused with ALLMENDE_ILLEGAL_TRANSITION, final, and changes nothing', async () => {
        const face = party.face(binding)
        const { consumerPid, providerPid } = await open(face, dataset.manual)
        const pids = { providerPid, consumerPid }
        await refused(face, 'ALLMENDE_ILLEGAL_TRANSITION', [
          createContractNegotiationEventMessage({ ...pids, eventType: 'FINALIZED' }),
          createContractAgreementVerificationMessage(pids),
        ])
        assert.equal((await negotiationOf('p', consumerPid))?.state, 'REQUESTED')
      })

      it('a repeated termination is answered with the ended state, not refused', async () => {
        const face = party.face(binding)
        const { consumerPid, providerPid } = await open(face, dataset.manual)
        const termination = createContractNegotiationTerminationMessage({
          providerPid,
          consumerPid,
          code: 'CONSUMER_CANCELLED',
          reason: ['changed plans'],
        })
        for (const _ of [1, 2]) {
          const ack = (await face.send(termination, 'provider')) as { state: string }
          assert.equal(ack.state, 'TERMINATED')
        }
        assert.equal((await negotiationOf('p', consumerPid))?.state, 'TERMINATED')
      })

      it('a message that breaks its schema never leaves: the client refuses it with ALLMENDE_INVALID_MESSAGE', async () => {
        const face = party.face(binding)
        const pids = { providerPid: `urn:uuid:${randomUUID()}`, consumerPid: `urn:uuid:${randomUUID()}` }
        const broken = {
          ...createContractNegotiationEventMessage({ ...pids, eventType: 'ACCEPTED' }),
          eventType: 'DONE',
        }
        const error = await face.send(broken, 'provider').then(
          () => assert.fail(`over ${binding} the broken message was accepted`),
          (e: unknown) => e,
        )
        assert.ok(error instanceof InvalidMessageError, `over ${binding}: ${String(error)}`)
      })

      it('a message for an unknown process is refused with ALLMENDE_UNKNOWN_PROCESS, final', async () => {
        const face = party.face(binding)
        const pids = { providerPid: `urn:uuid:${randomUUID()}`, consumerPid: `urn:uuid:${randomUUID()}` }
        await refused(face, 'ALLMENDE_UNKNOWN_PROCESS', [
          createContractNegotiationEventMessage({ ...pids, eventType: 'ACCEPTED' }),
          createContractAgreementVerificationMessage(pids),
          createContractNegotiationTerminationMessage({ ...pids, code: 'CONSUMER_CANCELLED' }),
        ])
      })
    })
  }
})
