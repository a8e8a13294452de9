import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  endTransfersOnRevocation,
  type RevocationEvents,
  type TransferProcessRecord,
} from '../../../src/transfer/index.js'

/** The transfers of a provider as far as a revocation touches them: listed, and ended with a reason. */
function transfersOf(states: Record<string, [agreementId: string, state: TransferProcessRecord['state']]>) {
  const ended: { id: string; reason: string }[] = []
  const records = Object.entries(states).map(
    ([id, [agreementId, state]]) => ({ id, agreementId, state }) as TransferProcessRecord,
  )
  return {
    ended,
    list: async () => records,
    terminate: async (id: string, reason: string) => {
      ended.push({ id, reason })
    },
  }
}

/** Revocations as `AgreementRevocation` announces them to its listeners. */
function revocations() {
  const listeners: Parameters<RevocationEvents['onRevoked']>[0][] = []
  return {
    onRevoked: (listener: Parameters<RevocationEvents['onRevoked']>[0]) => void listeners.push(listener),
    revoke: async (id: string, reason: string) => {
      for (const listener of listeners) await listener({ id }, reason)
    },
  }
}

describe('endTransfersOnRevocation: a revoked agreement ends its running transfers', () => {
  it('ends every transfer under the agreement that has not ended, telling why', async () => {
    const transfers = transfersOf({
      requested: ['urn:agreement:1', 'REQUESTED'],
      started: ['urn:agreement:1', 'STARTED'],
      suspended: ['urn:agreement:1', 'SUSPENDED'],
      completed: ['urn:agreement:1', 'COMPLETED'],
      terminated: ['urn:agreement:1', 'TERMINATED'],
      other: ['urn:agreement:2', 'STARTED'],
    })
    const revocation = revocations()
    endTransfersOnRevocation(revocation, transfers)
    await revocation.revoke('urn:agreement:1', 'purpose no longer given')
    const reason = 'agreement revoked: purpose no longer given'
    assert.deepEqual(transfers.ended, [
      { id: 'requested', reason },
      { id: 'started', reason },
      { id: 'suspended', reason },
    ])
  })

  it('ends nothing before a revocation', async () => {
    const transfers = transfersOf({ started: ['urn:agreement:1', 'STARTED'] })
    endTransfersOnRevocation(revocations(), transfers)
    assert.deepEqual(transfers.ended, [])
  })
})
