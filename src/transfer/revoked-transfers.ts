import type { TransferProcessRecord } from './transfer-record.js'

/** The transfers of a node as far as a revocation needs them. */
export interface RevocableTransfers {
  list(): Promise<TransferProcessRecord[]>
  terminate(id: string, reason: string): Promise<unknown>
}

const RUNNING: readonly TransferProcessRecord['state'][] = ['REQUESTED', 'STARTED', 'SUSPENDED']

/** A revoked agreement ends every transfer under it that has not ended yet, telling the consumer why. */
export async function terminateTransfersUnder(
  transfers: RevocableTransfers,
  agreementId: string,
  reason: string,
): Promise<void> {
  const running = (await transfers.list()).filter(
    (t) => t.agreementId === agreementId && RUNNING.includes(t.state),
  )
  for (const transfer of running) await transfers.terminate(transfer.id, `agreement revoked: ${reason}`)
}

/** Where revocations are announced: the provider's agreement revocation. */
export interface RevocationEvents {
  onRevoked(listener: (agreement: { readonly id: string }, reason: string) => Promise<void>): void
}

/** From now on, each revoked agreement ends its running transfers ({@link terminateTransfersUnder}). */
export function endTransfersOnRevocation(revocations: RevocationEvents, transfers: RevocableTransfers): void {
  revocations.onRevoked((agreement, reason) => terminateTransfersUnder(transfers, agreement.id, reason))
}
