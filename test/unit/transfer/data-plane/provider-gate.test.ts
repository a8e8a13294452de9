import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AuditLog, signReceipt, type TransferReceipt } from '../../../../src/audit/index.js'
import type { AgreementRecord } from '../../../../src/contract/index.js'
import { generateNodeKey, type NodeKey } from '../../../../src/identity/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import { Store } from '../../../../src/store/index.js'
import {
  DataAccessDeniedError,
  type FlowTransfer,
  ProviderGate,
  type ReceiptGrant,
  tokenOf,
} from '../../../../src/transfer/index.js'
import { tempDir } from '../../../support/temp-dir.js'

const CONTENT = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ result: i })))
const AGREEMENT = 'urn:uuid:agreement-gate'
const DATASET = 'urn:uuid:dataset-gate'

/**
 * A repeated transfer request can cross the receipt of a pull that just took the whole content: the
 * grant is used up then, but the transfer is about to complete, and the provider must neither end it
 * nor hand out a token. Only once that stream ended does a used-up grant refuse.
 */
describe('ProviderGate: a delivery whose receipt is on the way', () => {
  let store: Store
  let provider: NodeKey
  let consumer: NodeKey
  let gate: ProviderGate
  const transfers = new Map<string, FlowTransfer>()
  const completed: string[] = []

  before(async () => {
    const dir = await tempDir()
    const source = join(dir, 'pegel.json')
    await writeFile(source, CONTENT)
    store = await Store.open(join(dir, 'db'))
    provider = await generateNodeKey()
    consumer = await generateNodeKey()
    const clock = () => new Date('2026-12-07T08:00:00Z')
    const agreement = agreementBetween(provider.did, consumer.did)
    gate = new ProviderGate({
      store,
      audit: new AuditLog({ store, nodeKey: provider, clock }),
      nodeKey: provider,
      clock,
      log: createSilentLogger(),
      agreements: { getAgreement: async (id) => (id === AGREEMENT ? agreement : undefined) },
      sourceOf: async () => ({ kind: 'file', path: source }),
      isMember: async () => true,
      isRevoked: async () => false,
    })
    gate.connect(
      { get: async (id) => transfers.get(id) },
      {
        completed: async (id) => void completed.push(id),
        failed: async () => undefined,
      },
    )
  })

  after(() => store.close())

  /** A STARTED pull of the consumer, its stream opened with the start message's token. */
  async function opened(id: string): Promise<{ transfer: FlowTransfer; grant: ReceiptGrant }> {
    const transfer: FlowTransfer = {
      id,
      role: 'provider',
      consumerPid: `${id}-consumer`,
      providerPid: id,
      counterparty: consumer.did,
      agreementId: AGREEMENT,
      datasetId: DATASET,
      format: 'Allmende-libp2p',
      state: 'STARTED',
    }
    transfers.set(id, transfer)
    const token = tokenOf(await gate.startAddress(transfer, 'libp2p'))
    assert.ok(token !== undefined)
    const grant = await gate.openData({ token, agreementId: AGREEMENT, offset: 0 }, { peer: consumer.did })
    return { transfer, grant }
  }

  /** {@link opened}, its content read to the end as a binding sends it. */
  async function pulledWhole(id: string): Promise<{ transfer: FlowTransfer; grant: ReceiptGrant }> {
    const pull = await opened(id)
    let bytes = 0
    for await (const batch of pull.grant.content) for (const chunk of batch) bytes += chunk.byteLength
    assert.equal(bytes, Buffer.byteLength(CONTENT))
    return pull
  }

  const refusal = (reasonCode: string) => (error: unknown) =>
    error instanceof DataAccessDeniedError && error.reasonCode === reasonCode

  it('issues no token and ends nothing until the receipt is stored, then the grant is used up', async () => {
    const { transfer, grant } = await pulledWhole('urn:uuid:transfer-receipt')
    const underWay = gate.deliveryUnderWay(transfer.id)
    assert.ok(underWay !== undefined, 'the delivery is under way')
    await assert.rejects(gate.startAddress(transfer, 'libp2p'), { code: 'ALLMENDE_DELIVERY_UNDER_WAY' })
    const receipt: TransferReceipt = signReceipt(
      {
        agreement: AGREEMENT,
        transfer: transfer.id,
        ...(await grant.sent.totals()),
        time: '2026-12-07T08:00:01Z',
        provider: provider.did,
        consumer: consumer.did,
      },
      consumer,
    )
    const countersigned = await grant.complete(receipt)
    assert.ok(countersigned.signatures.provider !== undefined)
    assert.deepEqual(completed, [transfer.id])
    await underWay
    assert.equal(gate.deliveryUnderWay(transfer.id), undefined)
    await assert.rejects(gate.startAddress(transfer, 'libp2p'), refusal('GRANT_USED'))
  })

  it('counts the grant used up once a stream that took the whole content broke off before its receipt', async () => {
    const { transfer, grant } = await pulledWhole('urn:uuid:transfer-broken')
    const underWay = gate.deliveryUnderWay(transfer.id)
    assert.ok(underWay !== undefined)
    grant.release()
    await underWay
    await assert.rejects(gate.startAddress(transfer, 'libp2p'), refusal('GRANT_USED'))
  })

  it('gives a fresh token for a stream that broke off before the last byte', async () => {
    const { transfer, grant } = await opened('urn:uuid:transfer-part')
    const iterator = grant.content[Symbol.asyncIterator]()
    assert.equal((await iterator.next()).done, false)
    grant.release()
    await iterator.return?.()
    assert.equal(gate.deliveryUnderWay(transfer.id), undefined)
    assert.ok(tokenOf(await gate.startAddress(transfer, 'libp2p')) !== undefined)
  })
})

/** A provider-side agreement record whose credential permits any use. */
function agreementBetween(provider: string, consumer: string): AgreementRecord {
  return {
    id: AGREEMENT,
    negotiationId: 'urn:uuid:negotiation-gate',
    role: 'provider',
    provider,
    consumer,
    datasetId: DATASET,
    concluded: '2026-12-07T07:00:00.000Z',
    credential: {
      type: ['VerifiableCredential', 'ContractAgreementCredential'],
      credentialSubject: {
        agreement: {
          '@type': 'Agreement',
          uid: AGREEMENT,
          target: DATASET,
          assigner: provider,
          assignee: consumer,
          permission: [{ action: 'use' }],
        },
      },
    },
  }
}
