import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MESSAGE_EXTENSIONS } from '../../../src/contract/index.js'
import {
  countersignAgreementCredential,
  type JsonLdObject,
  verifyAgreementCredential,
} from '../../../src/credentials/index.js'
import { generateNodeKey } from '../../../src/identity/index.js'
import {
  AllmendeError,
  type ContractAgreementMessage,
  createContractAgreementVerificationMessage,
  createContractNegotiationEventMessage,
  createContractNegotiationTerminationMessage,
  createContractRequestMessage,
  createDataAddress,
  createTransferCompletionMessage,
  createTransferRequestMessage,
  createTransferStartMessage,
  createTransferSuspensionMessage,
  createTransferTerminationMessage,
  type DataAddress,
  type DspBinding,
  ERROR_TABLE,
  errorReply,
  InvalidMessageError,
  isRemoteRefusal,
  RemoteDspError,
  TRANSFER_STATES,
  type TransferProcess,
  type TransferStartMessage,
  type TransferState,
} from '../../../src/protocol/index.js'
import {
  DEFAULT_TRANSFER_FORMAT,
  TRANSFER_MOVES,
  type TransferMove,
  transitionTransfer,
} from '../../../src/transfer/index.js'
import { eventually } from '../../support/cli-process.js'
import { Cluster, type NegotiationView, type TransferView } from '../../support/cluster.js'
import { FLOOD_WARNING, floodWarningOffer } from '../../support/offers.js'
import { Party, type PartyFace } from './party.js'

/**
 * One binding suite: the same negotiation and transfer scenarios run over libp2p and over DSP HTTP
 * against real nodes on 127.0.0.1, so both bindings are held to one behaviour. Node to node, the
 * consumer node `c` negotiates with and pulls from the provider node `p` through its management API
 * (by DID: libp2p; by DSP URL: HTTP). Message by message, an in-process member (the party) speaks
 * to `p` through each binding's own client and server, as consumer of negotiations, pulls and
 * pushes; a refusal must carry the same code on both, and with it the same final or retryable
 * decision and (over HTTP) the status of the one error table.
 */

const BINDINGS: readonly DspBinding[] = ['libp2p', 'http']
const PURPOSE = MESSAGE_EXTENSIONS.purpose
const HTTP_ENDPOINT = 'https://w3id.org/idsa/v4.1/HTTP'
/** The pull each binding asks for when the consumer names no format. */
const PULL_FORMAT: Readonly<Record<DspBinding, string>> = {
  libp2p: DEFAULT_TRANSFER_FORMAT,
  http: 'HttpData-PULL',
}

/** A transfer's two process ids. */
interface Pids {
  readonly providerPid: string
  readonly consumerPid: string
}

/** The message each move of the transfer table is made with, once a process exists. */
const MOVE_MESSAGES: Readonly<
  Record<Exclude<TransferMove, 'TransferRequestMessage'>, (pids: Pids) => unknown>
> = {
  TransferStartMessage: (pids) => createTransferStartMessage(pids),
  TransferSuspensionMessage: (pids) =>
    createTransferSuspensionMessage({ ...pids, code: 'PAUSE', reason: ['a pause'] }),
  TransferCompletionMessage: (pids) => createTransferCompletionMessage(pids),
  TransferTerminationMessage: (pids) =>
    createTransferTerminationMessage({ ...pids, code: 'CONSUMER_CANCELLED', reason: ['no longer needed'] }),
}

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Whether the one error table makes a code's refusal final (else the sender tries again later). */
const isFinal = (code: string) => {
  const status = ERROR_TABLE[code]!.status
  return status < 500 && status !== 429
}

describe('one binding suite: the same negotiation and transfer scenarios over libp2p and DSP HTTP', () => {
  let cluster: Cluster
  let party: Party
  const dataset = { automatic: '', manual: '' }
  const provider = { did: '', multiaddr: '', dspUrl: '' }
  let consumerDspUrl = ''
  const content = JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }])

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
      assert.equal(isRemoteRefusal(error), isFinal(code))
      if (face.binding === 'http') assert.equal(face.last.status, row.status)
    }
  }

  // ---- transfers ---------------------------------------------------------------------------------

  const transfers = async (name: string) =>
    (await cluster.api<{ transfers: TransferView[] }>(name, 'GET', '/api/v1/transfers')).body.transfers
  const transferOf = async (name: string, consumerPid: string) =>
    (await transfers(name)).find((t) => t.consumerPid === consumerPid)
  const transferReaches = (name: string, consumerPid: string, state: string) =>
    eventually(
      async () => {
        const found = await transferOf(name, consumerPid)
        return found?.state === state ? found : undefined
      },
      { what: `transfer ${consumerPid} to be ${state} on ${name}`, timeoutMs: 60_000 },
    )

  /** A finalized agreement of the consumer node `c` with `p`, negotiated over `binding` (one per binding). */
  const nodeAgreements = new Map<DspBinding, Promise<string>>()
  function nodeAgreement(binding: DspBinding): Promise<string> {
    let agreement = nodeAgreements.get(binding)
    if (agreement === undefined) {
      agreement = request(binding, dataset.automatic, FLOOD_WARNING)
        .then((body) => reaches('c', body.consumerPid, 'FINALIZED'))
        .then((finalized) => finalized.agreementId!)
      nodeAgreements.set(binding, agreement)
    }
    return agreement
  }

  /** The consumer node `c` pulls under `agreement` into `out` (in its download folder) until COMPLETED on both sides. */
  async function nodePull(agreement: string, out: string, resume = false) {
    const { status, body } = await cluster.api<TransferView>('c', 'POST', '/api/v1/transfers', {
      agreement,
      out,
      ...(resume ? { resume } : {}),
    })
    assert.equal(status, 201, JSON.stringify(body))
    const mine = await transferReaches('c', body.consumerPid, 'COMPLETED')
    const theirs = await transferReaches('p', body.consumerPid, 'COMPLETED')
    return { mine, theirs }
  }

  /**
   * The party negotiates as consumer over `face`: request, the provider's agreement credential,
   * countersigned in the verification, FINALIZED. Returns the agreement id.
   */
  async function agree(face: PartyFace): Promise<string> {
    const { consumerPid, providerPid } = await open(face, dataset.automatic)
    const agreement = (await party.received(
      consumerPid,
      'ContractAgreementMessage',
    )) as ContractAgreementMessage & Record<string, unknown>
    const credential = agreement[MESSAGE_EXTENSIONS.credential] as JsonLdObject
    const verification = {
      ...createContractAgreementVerificationMessage({ providerPid, consumerPid }),
      [MESSAGE_EXTENSIONS.credential]: await countersignAgreementCredential(credential, party.key),
    }
    await face.send(verification, 'provider')
    await party.received(consumerPid, 'ContractNegotiationEventMessage')
    return agreement.agreement['@id']
  }

  /** The party's agreement over each binding, negotiated once. */
  const partyAgreements = new Map<DspBinding, Promise<string>>()
  function partyAgreement(face: PartyFace): Promise<string> {
    let agreement = partyAgreements.get(face.binding)
    if (agreement === undefined) {
      agreement = agree(face)
      partyAgreements.set(face.binding, agreement)
    }
    return agreement
  }

  /** The party asks `p` for a transfer (a pull unless `fields` say otherwise); returns the pids of the ACK. */
  async function ask(
    face: PartyFace,
    agreementId: string,
    fields: { format?: string; dataAddress?: DataAddress; consumerPid?: string } = {},
  ): Promise<Pids> {
    const consumerPid = fields.consumerPid ?? `urn:uuid:${randomUUID()}`
    const ack = (await face.send(
      createTransferRequestMessage({
        consumerPid,
        agreementId,
        format: fields.format ?? PULL_FORMAT[face.binding],
        callbackAddress: face.callbackAddress,
        ...(fields.dataAddress === undefined ? {} : { dataAddress: fields.dataAddress }),
      }),
      'provider',
    )) as TransferProcess
    assert.equal(ack['@type'], 'TransferProcess')
    assert.equal(ack.consumerPid, consumerPid)
    return { providerPid: ack.providerPid, consumerPid }
  }

  /** A pull the party asked for and `p` started: the party holds its start and never fetches. */
  async function started(face: PartyFace): Promise<Pids> {
    const pids = await ask(face, await partyAgreement(face))
    await party.received(pids.consumerPid, 'TransferStartMessage')
    await transferReaches('p', pids.consumerPid, 'STARTED')
    return pids
  }

  /** The party makes `move` on a started pull and `p` takes it. */
  async function startedThen(face: PartyFace, move: keyof typeof MOVE_MESSAGES, state: TransferState) {
    const pids = await started(face)
    const ack = (await face.send(MOVE_MESSAGES[move](pids), 'provider')) as TransferProcess
    assert.equal(ack.state, state)
    await transferReaches('p', pids.consumerPid, state)
    return pids
  }

  /**
   * How the party brings a transfer on `p` into each state of the table, or why it cannot: the
   * type makes a new state name its way here, so the illegal moves from it are tested too.
   */
  const REACH: Readonly<Record<TransferState, ((face: PartyFace) => Promise<Pids>) | string>> = {
    REQUESTED: 'the provider leaves REQUESTED by itself: it starts a transfer as it acknowledges the request',
    STARTED: started,
    SUSPENDED: (face) => startedThen(face, 'TransferSuspensionMessage', 'SUSPENDED'),
    COMPLETED: (face) => startedThen(face, 'TransferCompletionMessage', 'COMPLETED'),
    TERMINATED: (face) => startedThen(face, 'TransferTerminationMessage', 'TERMINATED'),
  }

  /** The party's push endpoint for one transfer, with the secret the provider must send along. */
  const pushAddress = (consumerPid: string, endpoint = `${party.inbox.url}/inbox/${consumerPid}`) =>
    createDataAddress({
      endpointType: HTTP_ENDPOINT,
      endpoint,
      endpointProperties: [
        { '@type': 'EndpointProperty', name: 'authorization', value: 'push-secret' },
        { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
      ],
    })

  before(async () => {
    cluster = await Cluster.create(['p', 'c'], 'allmende-bindings-', ['--dsp-port', '0'])
    const identity = (
      await cluster.api<{ did: string; multiaddrs: string[]; dsp?: string }>('p', 'GET', '/api/v1/identity')
    ).body
    provider.did = identity.did
    provider.multiaddr = identity.multiaddrs[0]!
    provider.dspUrl = identity.dsp!
    consumerDspUrl = (await cluster.api<{ dsp?: string }>('c', 'GET', '/api/v1/identity')).body.dsp!
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
        // the consumer keeps where it reached the provider: its DSP base over HTTP, nothing over libp2p
        assert.equal(consumer.callbackAddress, binding === 'http' ? provider.dspUrl : undefined)
        for (const name of ['p', 'c']) {
          const { body: agreement } = await cluster.api<
            Record<string, unknown> & { credential: JsonLdObject }
          >(name, 'GET', `/api/v1/agreements/${encodeURIComponent(consumer.agreementId!)}`)
          assert.equal(agreement.provider, provider.did)
          assert.equal(agreement.consumer, cluster.did('c'))
          assert.equal(agreement.datasetId, dataset.automatic)
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
        assert.equal(ended(providerSide).code, 'PURPOSE_NOT_PERMITTED')
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
          createContractNegotiationEventMessage({ ...pids, eventType: 'ACCEPTED' }),
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

      it('node to node: the consumer pulls, the provider serves; both COMPLETED, the bytes hash equal to the source', async () => {
        const agreement = await nodeAgreement(binding)
        const { mine, theirs } = await nodePull(agreement, `pull-${binding}.json`)
        assert.equal(mine.sha256, sha256(content))
        assert.equal(sha256(await readFile(mine.out!)), sha256(content))
        assert.equal(theirs.id, mine.providerPid)
        // each side calls the other back on the binding the agreement was negotiated on
        assert.equal(mine.callbackAddress, binding === 'http' ? provider.dspUrl : undefined)
        assert.equal(theirs.callbackAddress, binding === 'http' ? consumerDspUrl : undefined)
        if (binding === 'http') {
          assert.equal(mine.dataAddress?.endpointType, HTTP_ENDPOINT)
          assert.ok(mine.dataAddress?.endpoint?.startsWith(`${provider.dspUrl}/data/`))
        }
        const access = await cluster.audit('p', theirs.id)
        assert.deepEqual(
          access.filter((e) => e.type === 'transfer.access').map((e) => e.data.offset),
          [0],
        )
      })

      it('node to node: a resumed pull continues after what the file holds, to the same hash', async () => {
        const agreement = await nodeAgreement(binding)
        const folder = dirname((await nodePull(agreement, `whole-${binding}.json`)).mine.out!)
        const offsets = async (view: TransferView) =>
          (await cluster.audit('p', view.id))
            .filter((e) => e.type === 'transfer.access')
            .map((e) => e.data.offset)
        // the first 20 bytes are held: the provider serves from byte 20
        const partial = join(folder, `partial-${binding}.json`)
        await writeFile(partial, content.slice(0, 20))
        const resumed = await nodePull(agreement, partial, true)
        assert.equal(resumed.mine.sha256, sha256(content))
        assert.equal(sha256(await readFile(partial)), sha256(content))
        assert.deepEqual(await offsets(resumed.theirs), [20])
        // a file that holds everything: nothing is left to send, and the transfer completes
        const whole = join(folder, `held-${binding}.json`)
        await writeFile(whole, content)
        const nothingLeft = await nodePull(agreement, whole, true)
        assert.equal(nothingLeft.mine.sha256, sha256(content))
        assert.deepEqual(await offsets(nothingLeft.theirs), [Buffer.byteLength(content)])
      })

      it('the provider pushes: start without a pull address, the bytes to the consumer endpoint, completion; audited', async () => {
        const face = party.face(binding)
        const consumerPid = `urn:uuid:${randomUUID()}`
        const { providerPid } = await ask(face, await partyAgreement(face), {
          consumerPid,
          format: 'HttpData-PUSH',
          dataAddress: pushAddress(consumerPid),
        })
        const start = (await party.received(consumerPid, 'TransferStartMessage')) as TransferStartMessage
        assert.equal(start.dataAddress, undefined, 'a push start carries no pull address')
        assert.equal(party.record.senderOf(start), provider.did, 'the provider authenticated itself')
        const completion = await party.received(consumerPid, 'TransferCompletionMessage')
        assert.equal((completion as TransferProcess).providerPid, providerPid)
        const delivered = party.inbox.deliveries.filter((d) => d.path === `/inbox/${consumerPid}`)
        assert.equal(delivered.length, 1)
        assert.equal(delivered[0]!.method, 'POST')
        assert.equal(delivered[0]!.authorization, 'Bearer push-secret')
        assert.match(delivered[0]!.contentType ?? '', /json/)
        assert.equal(sha256(delivered[0]!.body), sha256(content))
        await transferReaches('p', consumerPid, 'COMPLETED')
        // the same gate as a pull: access audited before the data moved, then the totals
        const entries = await cluster.audit('p', providerPid)
        const types = entries.map((e) => e.type)
        assert.ok(types.indexOf('transfer.access') < types.indexOf('transfer.completed'), types.join(', '))
        assert.equal(entries.find((e) => e.type === 'transfer.completed')!.data.sentSha256, sha256(content))
      })

      it('a push the consumer endpoint refuses ends TERMINATED with PUSH_REFUSED, and the consumer is told', async () => {
        const face = party.face(binding)
        const consumerPid = `urn:uuid:${randomUUID()}`
        party.inbox.refusing = true
        try {
          await ask(face, await partyAgreement(face), {
            consumerPid,
            format: 'HttpData-PUSH',
            dataAddress: pushAddress(consumerPid),
          })
          const termination = await party.received(consumerPid, 'TransferTerminationMessage')
          assert.equal((termination as { code?: string }).code, 'PUSH_REFUSED')
        } finally {
          party.inbox.refusing = false
        }
        const ended = await transferReaches('p', consumerPid, 'TERMINATED')
        assert.equal(ended.history.at(-1)!.code, 'PUSH_REFUSED')
      })

      it('a push request without an http(s) endpoint is refused with ALLMENDE_INVALID_MESSAGE, final', async () => {
        const face = party.face(binding)
        const agreementId = await partyAgreement(face)
        const push = (dataAddress?: DataAddress) =>
          createTransferRequestMessage({
            consumerPid: `urn:uuid:${randomUUID()}`,
            agreementId,
            format: 'HttpData-PUSH',
            callbackAddress: face.callbackAddress,
            ...(dataAddress === undefined ? {} : { dataAddress }),
          })
        await refused(face, 'ALLMENDE_INVALID_MESSAGE', [
          push(),
          push(pushAddress('x', '/p2p/12D3KooWNotHttp')),
        ])
      })

      it('the consumer suspends, resumes (a fresh start) and terminates; the provider follows each move', async () => {
        const face = party.face(binding)
        const pids = await started(face)
        const send = async (move: keyof typeof MOVE_MESSAGES) =>
          ((await face.send(MOVE_MESSAGES[move](pids), 'provider')) as TransferProcess).state
        assert.equal(await send('TransferSuspensionMessage'), 'SUSPENDED')
        await transferReaches('p', pids.consumerPid, 'SUSPENDED')
        assert.equal(await send('TransferStartMessage'), 'STARTED')
        await transferReaches('p', pids.consumerPid, 'STARTED')
        const [first, second] = await Promise.all(
          [1, 2].map(
            async (n) =>
              (await party.received(pids.consumerPid, 'TransferStartMessage', n)) as TransferStartMessage,
          ),
        )
        assert.notDeepEqual(first!.dataAddress, second!.dataAddress, 'a resumed pull gets a fresh token')
        assert.equal(await send('TransferTerminationMessage'), 'TERMINATED')
        const ended = await transferReaches('p', pids.consumerPid, 'TERMINATED')
        assert.equal(ended.history.at(-1)!.code, 'CONSUMER_CANCELLED')
      })

      it('the provider suspends, resumes and terminates; each move reaches the consumer over the same binding', async () => {
        const face = party.face(binding)
        const pids = await started(face)
        const operate = (action: string, body: object = {}) =>
          cluster.api(
            'p',
            'POST',
            `/api/v1/transfers/${encodeURIComponent(pids.providerPid)}/${action}`,
            body,
          )
        await operate('suspend', { reason: 'maintenance' })
        const suspension = await party.received(pids.consumerPid, 'TransferSuspensionMessage')
        assert.deepEqual((suspension as { reason?: string[] }).reason, ['maintenance'])
        await operate('resume')
        await party.received(pids.consumerPid, 'TransferStartMessage', 2)
        await operate('terminate', { reason: 'closing down' })
        const termination = await party.received(pids.consumerPid, 'TransferTerminationMessage')
        assert.deepEqual((termination as { reason?: string[] }).reason, ['closing down'])
        assert.equal((await transferOf('p', pids.consumerPid))?.state, 'TERMINATED')
      })

      it('a repeated transfer request is answered as the first and opens no second transfer', async () => {
        const face = party.face(binding)
        const agreementId = await partyAgreement(face)
        const consumerPid = `urn:uuid:${randomUUID()}`
        const first = await ask(face, agreementId, { consumerPid })
        const again = await ask(face, agreementId, { consumerPid })
        assert.equal(again.providerPid, first.providerPid)
        assert.equal((await transfers('p')).filter((t) => t.consumerPid === consumerPid).length, 1)
      })

      it('every move the transfer table forbids the consumer is refused with ALLMENDE_ILLEGAL_TRANSITION, final, and changes nothing', async (t) => {
        const face = party.face(binding)
        let illegal = 0
        for (const state of TRANSFER_STATES) {
          const reach = REACH[state]
          if (typeof reach === 'string') {
            t.diagnostic(`${state} not reached: ${reach}`)
            continue
          }
          const pids = await reach(face)
          // A request opens a process (its repeat is the scenario above); every other move is judged here.
          for (const move of TRANSFER_MOVES.filter((m) => m !== 'TransferRequestMessage')) {
            const step = transitionTransfer(state, move, 'consumer')
            if (step.ok && !step.repeat) continue
            const message = MOVE_MESSAGES[move as keyof typeof MOVE_MESSAGES](pids)
            if (step.ok) {
              // the same move again: answered with the state as it is
              assert.equal(((await face.send(message, 'provider')) as TransferProcess).state, state, move)
            } else {
              illegal++
              await refused(face, 'ALLMENDE_ILLEGAL_TRANSITION', [message])
            }
            assert.equal((await transferOf('p', pids.consumerPid))?.state, state, `${move} in ${state}`)
          }
        }
        assert.ok(illegal > 0, 'the table forbids some moves')
      })

      it('a move before any request (an unknown process) is refused with ALLMENDE_UNKNOWN_PROCESS, final', async () => {
        const face = party.face(binding)
        const pids = { providerPid: `urn:uuid:${randomUUID()}`, consumerPid: `urn:uuid:${randomUUID()}` }
        const moves = TRANSFER_MOVES.filter((m) => !transitionTransfer(undefined, m, 'consumer').ok)
        assert.ok(moves.length > 0)
        await refused(
          face,
          'ALLMENDE_UNKNOWN_PROCESS',
          moves.map((move) => MOVE_MESSAGES[move as keyof typeof MOVE_MESSAGES](pids)),
        )
      })

      it("a move on another party's transfer is refused with ALLMENDE_UNKNOWN_PROCESS and changes nothing", async () => {
        const face = party.face(binding)
        const { mine } = await nodePull(await nodeAgreement(binding), `theirs-${binding}.json`)
        const pids = { providerPid: mine.providerPid!, consumerPid: mine.consumerPid }
        await refused(face, 'ALLMENDE_UNKNOWN_PROCESS', [
          MOVE_MESSAGES.TransferTerminationMessage(pids),
          MOVE_MESSAGES.TransferStartMessage(pids),
        ])
        assert.equal((await transferOf('p', mine.consumerPid))?.state, 'COMPLETED')
      })

      it("a transfer under an unknown agreement, or another party's, is refused with ALLMENDE_NOT_FOUND, final", async () => {
        const face = party.face(binding)
        const request = (agreementId: string) =>
          createTransferRequestMessage({
            consumerPid: `urn:uuid:${randomUUID()}`,
            agreementId,
            format: PULL_FORMAT[binding],
            callbackAddress: face.callbackAddress,
          })
        await refused(face, 'ALLMENDE_NOT_FOUND', [
          request(`urn:uuid:${randomUUID()}`),
          request(await nodeAgreement(binding)),
        ])
      })

      it('revoking an agreement terminates its running transfer; a new one is refused with ALLMENDE_AGREEMENT_REVOKED, final', async () => {
        const face = party.face(binding)
        const agreementId = await agree(face)
        const pids = await ask(face, agreementId)
        await party.received(pids.consumerPid, 'TransferStartMessage')
        const { status } = await cluster.api(
          'p',
          'POST',
          `/api/v1/agreements/${encodeURIComponent(agreementId)}/revoke`,
          {
            reason: 'the partner left',
          },
        )
        assert.equal(status, 200)
        await party.received(pids.consumerPid, 'TransferTerminationMessage')
        await transferReaches('p', pids.consumerPid, 'TERMINATED')
        await refused(face, 'ALLMENDE_AGREEMENT_REVOKED', [
          createTransferRequestMessage({
            consumerPid: `urn:uuid:${randomUUID()}`,
            agreementId,
            format: PULL_FORMAT[binding],
            callbackAddress: face.callbackAddress,
          }),
        ])
      })

      it('the same refusal has the same outcome: final ends the transfer at once, transient is tried again', async () => {
        const face = party.face(binding)
        const agreementId = await partyAgreement(face)
        // One code for each status and exposure of the one error table: the party refuses the provider's start with it once.
        const kinds = new Map(
          Object.entries(ERROR_TABLE).map(([code, row]) => [`${row.status} ${row.exposed}`, code]),
        )
        await Promise.all(
          [...kinds.values()].map(async (code) => {
            const error = new AllmendeError(code, `the party refuses with ${code}`)
            const seen = errorReply(error).code
            const consumerPid = `urn:uuid:${randomUUID()}`
            party.record.refuse(consumerPid, [error])
            await ask(face, agreementId, { consumerPid })
            if (isFinal(seen)) {
              const ended = await transferReaches('p', consumerPid, 'TERMINATED')
              assert.equal(ended.history.at(-1)!.code, 'PEER_REFUSED', code)
              assert.match(ended.history.at(-1)!.reason ?? '', new RegExp(seen), code)
              assert.equal(party.all(consumerPid, 'TransferStartMessage').length, 1, `${code}: sent once`)
            } else {
              await party.received(consumerPid, 'TransferStartMessage', 2)
              assert.equal((await transferOf('p', consumerPid))?.state, 'STARTED', code)
            }
          }),
        )
      })
    })
  }
})
