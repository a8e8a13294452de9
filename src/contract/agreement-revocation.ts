import type { AuditLog } from '../audit/index.js'
import { parseStatusListUrl, type StatusEntry, type StatusListIssuer } from '../credentials/index.js'
import { InvalidInputError, NotFoundError } from '../protocol/index.js'
import type { AgreementRecord } from './negotiation-record.js'

export interface AgreementRevocationComponents {
  readonly statusLists: StatusListIssuer
  readonly audit: AuditLog
  readonly agreements: { getAgreement(id: string): Promise<AgreementRecord | undefined> }
}

function statusOf(record: AgreementRecord): StatusEntry | undefined {
  const status = record.credential.credentialStatus as StatusEntry | undefined
  return status?.type === 'BitstringStatusListEntry' ? status : undefined
}

/**
 * Revocation of agreements this node issued as provider: the bit in its status list (so anyone who
 * checks the credential sees it), an audit entry, and the listeners (running transfers end).
 */
export class AgreementRevocation {
  private readonly listeners: ((agreement: AgreementRecord, reason: string) => Promise<void>)[] = []

  constructor(private readonly components: AgreementRevocationComponents) {}

  /** Called after each revocation, e.g. to terminate the agreement's running transfers. */
  onRevoked(listener: (agreement: AgreementRecord, reason: string) => Promise<void>): void {
    this.listeners.push(listener)
  }

  async revoke(id: string, reason: string): Promise<AgreementRecord> {
    const record = await this.components.agreements.getAgreement(id)
    if (record === undefined) throw new NotFoundError(`no agreement ${id} on this node`)
    const status = statusOf(record)
    if (record.role !== 'provider' || status === undefined) {
      throw new InvalidInputError(
        `agreement ${id} was not issued by this node with a status entry; only its provider can revoke it`,
      )
    }
    await this.components.statusLists.revoke(status)
    await this.components.audit.record({ type: 'agreement.revoked', subject: id, data: { reason } })
    for (const listener of this.listeners) await listener(record, reason)
    return record
  }

  /** Whether an agreement this node issued is revoked, from its own status list. */
  async isRevoked(record: AgreementRecord): Promise<boolean> {
    const status = statusOf(record)
    if (record.role !== 'provider' || status === undefined) return false
    const { listId } = parseStatusListUrl(status.statusListCredential)
    return this.components.statusLists.isRevoked(listId, Number(status.statusListIndex))
  }
}
