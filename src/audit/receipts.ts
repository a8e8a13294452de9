import type { KeyObject } from 'node:crypto'
import { type NodeKey, publicKeyFromDidKey } from '../identity/index.js'
import { type AuditEntry, ed25519PublicKeyObject, verifyEd25519 } from './audit-entry.js'
import { canonicalJson } from './canonical-json.js'
import { ReceiptError } from './errors.js'

/** Audit entry type of a finished transfer; its data carries `bytes` and `sha256` (and `transfer`). */
export const TRANSFER_COMPLETED = 'transfer.completed'
/** Audit entry type of a receipt; its data is the {@link TransferReceipt}, its subject the transfer id. */
export const TRANSFER_RECEIPT = 'transfer.receipt'

/** What both parties of a completed transfer attest: which data, how much, with which hash, when. */
export interface TransferReceiptBody {
  /** Agreement id (the ODRL Agreement `@id`). */
  readonly agreement: string
  /** Transfer process id. */
  readonly transfer: string
  /** Bytes delivered. */
  readonly bytes: number
  /** SHA-256 of the delivered bytes, hex. */
  readonly sha256: string
  /** ISO 8601 time of completion. */
  readonly time: string
  /** Provider DID (did:key). */
  readonly provider: string
  /** Consumer DID (did:key). */
  readonly consumer: string
}

/**
 * A receipt with the detached Ed25519 signatures (base64url) of its parties over the canonical JSON
 * of the body. Complete when both are present.
 */
export interface TransferReceipt extends TransferReceiptBody {
  readonly signatures: { readonly provider?: string; readonly consumer?: string }
}

/** Outcome of {@link verifyReceipt}; `problems` empty exactly when `ok`. */
export interface ReceiptVerification {
  readonly ok: boolean
  readonly problems: readonly string[]
}

/** A completed transfer the receipts in the log do not back up. */
export interface ReceiptFinding {
  readonly kind: 'missing-receipt' | 'invalid-receipt' | 'receipt-mismatch'
  readonly transfer: string
  /** The `transfer.completed` entry. */
  readonly seq: number
  /** The receipt entry concerned, if any. */
  readonly receiptSeq?: number
  readonly message: string
}

const BODY_FIELDS = ['agreement', 'transfer', 'bytes', 'sha256', 'time', 'provider', 'consumer'] as const
const RECEIPT_FIELDS = new Set<string>([...BODY_FIELDS, 'signatures'])

/** Why `value` is not a receipt body, or `undefined`. */
function bodyProblem(value: Record<string, unknown>): string | undefined {
  for (const field of ['agreement', 'transfer', 'time', 'provider', 'consumer'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') return `"${field}" is not a non-empty string`
  }
  if (!Number.isSafeInteger(value.bytes) || (value.bytes as number) < 0) return '"bytes" is not a byte count'
  if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.sha256)) {
    return '"sha256" is not a SHA-256 hex hash'
  }
  if (Number.isNaN(Date.parse(value.time as string))) return '"time" is not a date'
  return undefined
}

/** The signed part of a receipt, exactly the seven body fields. */
export function receiptBody(receipt: TransferReceiptBody): TransferReceiptBody {
  const { agreement, transfer, bytes, sha256, time, provider, consumer } = receipt
  return { agreement, transfer, bytes, sha256, time, provider, consumer }
}

/** The bytes both parties sign: canonical JSON of the body. */
export function receiptSigningInput(receipt: TransferReceiptBody): Uint8Array {
  return new TextEncoder().encode(canonicalJson(receiptBody(receipt)))
}

/**
 * Adds this node's signature to a receipt (as provider, consumer, or both if it is both). Keeps the
 * other party's signature. Throws {@link ReceiptError} if the body is malformed or the key is neither
 * party's.
 */
export function signReceipt(
  receipt: TransferReceiptBody | TransferReceipt,
  nodeKey: NodeKey,
): TransferReceipt {
  const problem = bodyProblem(receipt as unknown as Record<string, unknown>)
  if (problem !== undefined) throw new ReceiptError(`cannot sign receipt: ${problem}`)
  const roles = (['provider', 'consumer'] as const).filter(
    (role) => receipt[role].split('#')[0] === nodeKey.did,
  )
  if (roles.length === 0) {
    throw new ReceiptError(
      `cannot sign receipt of transfer ${receipt.transfer}: this node (${nodeKey.did}) is neither its provider nor consumer`,
    )
  }
  const signature = Buffer.from(nodeKey.sign(receiptSigningInput(receipt))).toString('base64url')
  const signatures = { ...('signatures' in receipt ? receipt.signatures : {}) }
  for (const role of roles) signatures[role] = signature
  return { ...receiptBody(receipt), signatures }
}

const keyCache = new Map<string, KeyObject>()
function keyOfDid(did: string): KeyObject {
  let key = keyCache.get(did)
  if (key === undefined) {
    key = ed25519PublicKeyObject(publicKeyFromDidKey(did))
    if (keyCache.size > 1000) keyCache.clear()
    keyCache.set(did, key)
  }
  return key
}

/**
 * Checks a receipt (untrusted input): well-formed, no unsigned fields, and signed by both the
 * provider's and the consumer's did:key.
 */
export function verifyReceipt(receipt: unknown): ReceiptVerification {
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) {
    return { ok: false, problems: ['the receipt is not a JSON object'] }
  }
  const r = receipt as Record<string, unknown>
  const problem = bodyProblem(r)
  if (problem !== undefined) return { ok: false, problems: [`the receipt is malformed: ${problem}`] }
  const extra = Object.keys(r).filter((k) => !RECEIPT_FIELDS.has(k))
  if (extra.length > 0)
    return { ok: false, problems: [`the receipt carries unsigned fields: ${extra.join(', ')}`] }
  if (r.signatures !== undefined && (typeof r.signatures !== 'object' || r.signatures === null)) {
    return { ok: false, problems: ['the receipt\'s "signatures" is not an object'] }
  }
  const signatures = (r.signatures ?? {}) as Record<string, unknown>
  const problems: string[] = []
  const input = receiptSigningInput(r as unknown as TransferReceiptBody)
  for (const role of ['provider', 'consumer'] as const) {
    const did = r[role] as string
    const signature = signatures[role]
    if (signature === undefined) {
      problems.push(`the ${role} (${did}) has not signed it`)
      continue
    }
    let key: KeyObject
    try {
      key = keyOfDid(did)
    } catch (cause) {
      problems.push(`the ${role} ${did} is not a did:key this node can check: ${(cause as Error).message}`)
      continue
    }
    if (typeof signature !== 'string' || !verifyEd25519(key, input, signature)) {
      problems.push(`the ${role}'s signature does not match: the receipt was changed or not signed by ${did}`)
    }
  }
  return { ok: problems.length === 0, problems }
}

/**
 * Checks that every `transfer.completed` entry with `bytes` and `sha256` is backed by a
 * `transfer.receipt` entry signed by both parties whose bytes and hash match. Returns one finding per
 * completed transfer that is not; none means all are.
 */
export function crossCheckReceipts(entries: Iterable<AuditEntry>): ReceiptFinding[] {
  const completed: { seq: number; transfer: string; bytes: unknown; sha256: unknown }[] = []
  const receipts = new Map<string, { seq: number; receipt: unknown }[]>()
  for (const entry of entries) {
    const data = (typeof entry.data === 'object' && entry.data !== null ? entry.data : {}) as Record<
      string,
      unknown
    >
    if (entry.type === TRANSFER_COMPLETED && 'bytes' in data && 'sha256' in data) {
      const transfer = typeof data.transfer === 'string' ? data.transfer : entry.subject
      completed.push({ seq: entry.seq, transfer, bytes: data.bytes, sha256: data.sha256 })
    } else if (entry.type === TRANSFER_RECEIPT) {
      const transfer = typeof data.transfer === 'string' ? data.transfer : entry.subject
      const list = receipts.get(transfer) ?? []
      list.push({ seq: entry.seq, receipt: entry.data })
      receipts.set(transfer, list)
    }
  }
  const findings: ReceiptFinding[] = []
  for (const done of completed) {
    const candidates = receipts.get(done.transfer) ?? []
    if (candidates.length === 0) {
      findings.push({
        kind: 'missing-receipt',
        transfer: done.transfer,
        seq: done.seq,
        message: `transfer ${done.transfer} completed (entry ${done.seq}) but the log holds no receipt for it`,
      })
      continue
    }
    let finding: ReceiptFinding | undefined
    for (const { seq, receipt } of candidates) {
      const verification = verifyReceipt(receipt)
      if (!verification.ok) {
        finding = {
          kind: 'invalid-receipt',
          transfer: done.transfer,
          seq: done.seq,
          receiptSeq: seq,
          message: `the receipt for transfer ${done.transfer} (entry ${seq}) is not valid: ${verification.problems.join('; ')}`,
        }
        continue
      }
      const r = receipt as TransferReceipt
      if (r.bytes !== done.bytes || r.sha256 !== done.sha256) {
        finding = {
          kind: 'receipt-mismatch',
          transfer: done.transfer,
          seq: done.seq,
          receiptSeq: seq,
          message:
            `the receipt for transfer ${done.transfer} (entry ${seq}) attests ${r.bytes} bytes with SHA-256 ` +
            `${r.sha256.slice(0, 12)}…, but entry ${done.seq} recorded ${String(done.bytes)} bytes with ` +
            `${String(done.sha256).slice(0, 12)}…`,
        }
        continue
      }
      finding = undefined
      break
    }
    if (finding !== undefined) findings.push(finding)
  }
  return findings
}

/** A receipt a peer holds, signed by this node, of which this node's own log has no trace. */
export interface CutEntryFinding {
  readonly kind: 'receipt-cut-from-log'
  readonly transfer: string
  /** The entry of the peer's log holding the receipt. */
  readonly peerSeq: number
  readonly message: string
}

/**
 * Peers' receipts anchor a node's log: every receipt in a peer's log that names `did` as provider
 * or consumer, and that `did` signed, must be in `did`'s own log too. Entries cut off the end of
 * the log (and the head rewritten, even with the key) leave such receipts behind at the peer.
 */
export function crossCheckPeerReceipts(
  did: string,
  own: Iterable<AuditEntry>,
  peer: Iterable<AuditEntry>,
): CutEntryFinding[] {
  const recorded = new Set<string>()
  for (const entry of own) {
    if (entry.type !== TRANSFER_RECEIPT) continue
    const r = entry.data as Partial<TransferReceiptBody> | null
    if (r !== null && typeof r === 'object') recorded.add(`${r.agreement} ${r.transfer}`)
  }
  const findings: CutEntryFinding[] = []
  for (const entry of peer) {
    if (entry.type !== TRANSFER_RECEIPT || !verifyReceipt(entry.data).ok) continue
    const r = entry.data as unknown as TransferReceipt
    const role = (['provider', 'consumer'] as const).find((side) => r[side].split('#')[0] === did)
    if (role === undefined || recorded.has(`${r.agreement} ${r.transfer}`)) continue
    findings.push({
      kind: 'receipt-cut-from-log',
      transfer: r.transfer,
      peerSeq: entry.seq,
      message:
        `${entry.signer} holds a receipt this node signed as ${role} (transfer ${r.transfer}, ${r.time}, entry ` +
        `${entry.seq} of its log), but this node's log has no trace of it: entries were cut off or deleted`,
    })
  }
  return findings
}
