import { AllmendeError } from '../protocol/errors.js'

/** A value meant for the audit log or a receipt is not plain JSON (a Date, a NaN, a function, ...). */
export class NotJsonError extends AllmendeError {
  static override name = 'NotJsonError'
  constructor(message: string) {
    super('ALLMENDE_NOT_JSON', message)
  }
}

/**
 * The stored audit log contradicts itself (its head names an entry that is not there or differs), so
 * this node refuses to extend it: appending would hide the damage. `allmende audit verify` says where.
 */
export class AuditChainError extends AllmendeError {
  static override name = 'AuditChainError'
  constructor(message: string) {
    super('ALLMENDE_AUDIT_CHAIN', message, { expose: false })
  }
}

/** A transfer receipt is malformed, or the key asked to sign it belongs to neither party. */
export class ReceiptError extends AllmendeError {
  static override name = 'ReceiptError'
  constructor(message: string) {
    super('ALLMENDE_RECEIPT', message)
  }
}

/** The audit log of a node directory could not be read: no node there, or its running API did not answer. */
export class AuditSourceError extends AllmendeError {
  static override name = 'AuditSourceError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_AUDIT_SOURCE', message, { ...options, expose: false })
  }
}
