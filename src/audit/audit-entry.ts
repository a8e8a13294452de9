import { createHash, createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto'
import type { NodeKey } from '../identity/index.js'
import { canonicalJson, type JsonValue } from './canonical-json.js'

/**
 * One entry of a node's audit log. `hash` is SHA-256 (hex) over the canonical JSON of every other
 * field except `signature` ({@link auditEntryHash}); `prev` is the previous entry's `hash`, so
 * entries form a chain from {@link GENESIS_HASH}; `signature` is the node key's Ed25519 signature
 * over {@link auditSigningInput} of the hash.
 */
export interface AuditEntry {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number
  /** ISO 8601 UTC time from the node's clock when the entry was recorded. */
  readonly time: string
  /** What happened, dotted: `negotiation.agreed`, `transfer.completed`, `transfer.receipt`, ... */
  readonly type: string
  /** What it happened to: a negotiation, transfer or dataset id. */
  readonly subject: string
  readonly data: JsonValue
  /** `hash` of entry `seq - 1`; {@link GENESIS_HASH} for entry 1. */
  readonly prev: string
  readonly hash: string
  /** DID of the node whose key signed the entry. */
  readonly signer: string
  /** Ed25519 signature, base64url. */
  readonly signature: string
}

/** The last entry of a log: `seq` 0 and {@link GENESIS_HASH} while the log is empty. */
export interface AuditHead {
  readonly seq: number
  readonly hash: string
}

/**
 * The head as stored: signed by the node key, so cutting entries off the end and writing a head for
 * the shorter chain needs the key (and peers' receipts still name the cut entries).
 */
export interface SignedAuditHead extends AuditHead {
  /** Ed25519 signature (base64url) over {@link auditHeadSigningInput}. */
  readonly signature: string
}

/** The bytes a head signature covers: a fixed label, the length and the last hash of the chain. */
export function auditHeadSigningInput(head: AuditHead): Uint8Array {
  return new TextEncoder().encode(`allmende-audit-head:${head.seq}:${head.hash}`)
}

/** Signs a head with the node key. */
export function signAuditHead(head: AuditHead, nodeKey: NodeKey): SignedAuditHead {
  const signature = Buffer.from(nodeKey.sign(auditHeadSigningInput(head))).toString('base64url')
  return { seq: head.seq, hash: head.hash, signature }
}

/** The `prev` of the first entry: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64)

/** The fields an entry's hash covers. */
export type AuditEntryBody = Omit<AuditEntry, 'hash' | 'signature'>

/** SHA-256 (hex) of the canonical JSON of an entry without `hash` and `signature`. */
export function auditEntryHash(entry: AuditEntryBody): string {
  const body: AuditEntryBody = {
    seq: entry.seq,
    time: entry.time,
    type: entry.type,
    subject: entry.subject,
    data: entry.data,
    prev: entry.prev,
    signer: entry.signer,
  }
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}

/**
 * The bytes an entry's signature covers: a fixed label and the entry hash. The label keeps an audit
 * signature from ever passing as the node key's signature over anything else (receipts, credentials).
 */
export function auditSigningInput(hash: string): Uint8Array {
  return new TextEncoder().encode(`allmende-audit-entry:${hash}`)
}

/** Signs an entry body with the node key: adds `hash` and `signature`. */
export function sealAuditEntry(body: AuditEntryBody, nodeKey: NodeKey): AuditEntry {
  const hash = auditEntryHash(body)
  const signature = Buffer.from(nodeKey.sign(auditSigningInput(hash))).toString('base64url')
  return { ...body, hash, signature }
}

/** A node:crypto public key object of a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  })
}

/** Whether `signature` (base64url) is a valid Ed25519 signature of `data` by `key`. */
export function verifyEd25519(key: KeyObject, data: Uint8Array, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false
  return nodeVerify(null, data, key, Buffer.from(signature, 'base64url'))
}

const HEX64 = /^[0-9a-f]{64}$/

/**
 * Why `value` is not shaped like an {@link AuditEntry}, or `undefined` if it is. Entries from a
 * peer or an API are untrusted input; verification checks their shape before their content.
 */
export function auditEntryShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object'
  const e = value as Record<string, unknown>
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return 'its "seq" is not a positive integer'
  for (const field of ['time', 'type', 'subject', 'signer', 'signature'] as const) {
    if (typeof e[field] !== 'string') return `its "${field}" is not a string`
  }
  if (Number.isNaN(Date.parse(e.time as string))) return 'its "time" is not a date'
  if (typeof e.prev !== 'string' || !HEX64.test(e.prev)) return 'its "prev" is not a SHA-256 hex hash'
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return 'its "hash" is not a SHA-256 hex hash'
  if (!('data' in e)) return 'it has no "data"'
  const extra = Object.keys(e).filter((k) => !ENTRY_FIELDS.has(k))
  if (extra.length > 0) return `it carries fields no signature covers: ${extra.join(', ')}`
  return undefined
}

const ENTRY_FIELDS = new Set([
  'seq',
  'time',
  'type',
  'subject',
  'data',
  'prev',
  'hash',
  'signer',
  'signature',
])

/** Whether `value` is shaped like an {@link AuditEntry} (not whether its hash or signature hold). */
export function isAuditEntry(value: unknown): value is AuditEntry {
  return auditEntryShapeProblem(value) === undefined
}
