/**
 * @packageDocumentation
 * The node's tamper-evident audit log: a hash chain of entries signed by the node key, written in
 * the same atomic batch as the state change it records; signed transfer receipts exchanged with
 * peers; and offline verification of both.
 *
 * @example
 * ```ts
 * const audit = new AuditLog({ store, nodeKey, clock: () => new Date() })
 * const entry = await audit.record(
 *   { type: 'negotiation.agreed', subject: negotiation.id, data: { agreement: agreementId } },
 *   [{ type: 'put', sublevel: negotiations, key: negotiation.id, value: negotiation }],
 * )
 * const result = await verifyAuditLog(store, { did: nodeKey.did })
 * if (!result.ok) console.error(result.firstBad?.reason)
 * ```
 */
export {
  type AuditEntry,
  type AuditEntryBody,
  type AuditHead,
  auditEntryHash,
  GENESIS_HASH,
  isAuditEntry,
  type SignedAuditHead,
} from './audit-entry.js'
export {
  AUDIT_ENTRY_RANGE,
  AUDIT_HEAD_KEY,
  AUDIT_SUBLEVEL,
  type AuditExtraOps,
  AuditLog,
  type AuditLogComponents,
  type AuditLogInit,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
} from './audit-log.js'
export { canonicalJson, type JsonValue } from './canonical-json.js'
export { AuditChainError, AuditSourceError, NotJsonError, ReceiptError } from './errors.js'
export {
  type CutEntryFinding,
  crossCheckPeerReceipts,
  crossCheckReceipts,
  type ReceiptFinding,
  type ReceiptVerification,
  receiptBody,
  signReceipt,
  TRANSFER_COMPLETED,
  TRANSFER_RECEIPT,
  type TransferReceipt,
  type TransferReceiptBody,
  verifyReceipt,
} from './receipts.js'
export { type AuditFault, type AuditVerification, type AuditVerifyOptions, verifyAuditLog } from './verify.js'
