import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type AuditEntry,
  crossCheckReceipts,
  ReceiptError,
  signReceipt,
  TRANSFER_COMPLETED,
  TRANSFER_RECEIPT,
  type TransferReceiptBody,
  verifyReceipt,
} from '../../../src/audit/index.js'
import { nodeKeyFromSeed } from '../../../src/identity/index.js'

const provider = await nodeKeyFromSeed(new Uint8Array(32).fill(11))
const consumer = await nodeKeyFromSeed(new Uint8Array(32).fill(12))
const stranger = await nodeKeyFromSeed(new Uint8Array(32).fill(13))

const SHA = 'ab'.repeat(32)
const body: TransferReceiptBody = {
  agreement: 'urn:uuid:agreement-1',
  transfer: 'urn:uuid:transfer-1',
  bytes: 4096,
  sha256: SHA,
  time: '2026-04-02T10:00:00.000Z',
  provider: provider.did,
  consumer: consumer.did,
}
const both = signReceipt(signReceipt(body, provider), consumer)

describe('signReceipt / verifyReceipt', () => {
  it('a receipt signed by both parties verifies, whichever signed first', () => {
    assert.deepEqual(verifyReceipt(both), { ok: true, problems: [] })
    const reversed = signReceipt(signReceipt(body, consumer), provider)
    assert.deepEqual(reversed, both)
    // It survives a JSON round trip with its keys in another order.
    const shuffled = JSON.parse(JSON.stringify({ signatures: both.signatures, ...body, bytes: 4096 }))
    assert.equal(verifyReceipt(shuffled).ok, true)
  })

  it('a changed field breaks both signatures', () => {
    const result = verifyReceipt({ ...both, bytes: 4097 })
    assert.equal(result.ok, false)
    assert.equal(result.problems.length, 2)
    assert.match(result.problems[0]!, /provider's signature does not match/)
    assert.equal(verifyReceipt({ ...both, sha256: 'cd'.repeat(32) }).ok, false)
  })

  it('a receipt without the consumer signature fails, naming the consumer', () => {
    const result = verifyReceipt(signReceipt(body, provider))
    assert.deepEqual(result, { ok: false, problems: [`the consumer (${consumer.did}) has not signed it`] })
  })

  it('a signature copied to the other role fails', () => {
    const result = verifyReceipt({
      ...both,
      signatures: { provider: both.signatures.provider, consumer: both.signatures.provider },
    })
    assert.deepEqual(result.problems, [
      `the consumer's signature does not match: the receipt was changed or not signed by ${consumer.did}`,
    ])
  })

  it('refuses unsigned extra fields and malformed receipts', () => {
    assert.match(verifyReceipt({ ...both, note: 'x' }).problems[0]!, /unsigned fields: note/)
    assert.match(verifyReceipt({ ...both, sha256: 'nope' }).problems[0]!, /"sha256" is not a SHA-256/)
    assert.match(verifyReceipt({ ...both, consumer: 'did:web:example.org' }).problems[1]!, /not a did:key/)
    assert.equal(verifyReceipt('receipt').ok, false)
  })

  it('a key that is neither party cannot sign', () => {
    assert.throws(() => signReceipt(body, stranger), ReceiptError)
    assert.throws(() => signReceipt({ ...body, bytes: -1 }, provider), /"bytes"/)
  })
})

describe('crossCheckReceipts', () => {
  let seq = 0
  const entry = (type: string, subject: string, data: AuditEntry['data']): AuditEntry => ({
    seq: ++seq,
    time: '2026-04-02T10:00:00.000Z',
    type,
    subject,
    data,
    prev: '0'.repeat(64),
    hash: '0'.repeat(64),
    signer: provider.did,
    signature: '',
  })
  const completed = (transfer: string, bytes = 4096, sha256 = SHA) =>
    entry(TRANSFER_COMPLETED, transfer, { transfer, agreement: body.agreement, bytes, sha256 })
  const receipt = (r: object) =>
    entry(TRANSFER_RECEIPT, (r as { transfer: string }).transfer, JSON.parse(JSON.stringify(r)))

  it('accepts completed transfers backed by matching receipts', () => {
    assert.deepEqual(
      crossCheckReceipts([
        entry('transfer.started', body.transfer, {}),
        completed(body.transfer),
        receipt(both),
      ]),
      [],
    )
  })

  it('finds a completed transfer without a receipt', () => {
    const findings = crossCheckReceipts([
      completed(body.transfer),
      receipt(both),
      completed('urn:uuid:transfer-2'),
    ])
    assert.equal(findings.length, 1)
    assert.equal(findings[0]!.kind, 'missing-receipt')
    assert.equal(findings[0]!.transfer, 'urn:uuid:transfer-2')
    assert.match(
      findings[0]!.message,
      /transfer urn:uuid:transfer-2 completed \(entry \d+\) but the log holds no receipt/,
    )
  })

  it('finds a receipt that one side did not sign', () => {
    const [finding] = crossCheckReceipts([completed(body.transfer), receipt(signReceipt(body, provider))])
    assert.equal(finding?.kind, 'invalid-receipt')
    assert.match(finding!.message, /consumer .* has not signed it/)
  })

  it('finds a receipt whose bytes or hash differ from the completed transfer', () => {
    const [finding] = crossCheckReceipts([completed(body.transfer, 5000), receipt(both)])
    assert.equal(finding?.kind, 'receipt-mismatch')
    assert.match(finding!.message, /attests 4096 bytes .* recorded 5000 bytes/)
  })

  it('is satisfied by one good receipt among bad ones', () => {
    assert.deepEqual(
      crossCheckReceipts([completed(body.transfer), receipt(signReceipt(body, provider)), receipt(both)]),
      [],
    )
  })

  it('ignores completed entries that record no bytes and hash', () => {
    assert.deepEqual(crossCheckReceipts([entry(TRANSFER_COMPLETED, 't-x', { reason: 'empty dataset' })]), [])
  })
})
