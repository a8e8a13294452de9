import type { KeyObject } from 'node:crypto'
import { didKeyFromPublicKey, publicKeyFromDidKey } from '../identity/index.js'
import { InvalidInputError } from '../protocol/errors.js'
import { Store } from '../store/index.js'
import {
  type AuditEntry,
  type AuditHead,
  auditEntryHash,
  auditEntryShapeProblem,
  auditHeadSigningInput,
  auditSigningInput,
  ed25519PublicKeyObject,
  GENESIS_HASH,
  verifyEd25519,
} from './audit-entry.js'
import { AUDIT_ENTRY_RANGE, AUDIT_HEAD_KEY, AUDIT_SUBLEVEL } from './audit-log.js'

/** Whose log it is: the node's did:key or its raw Ed25519 public key (or both, then they must agree). */
export type AuditVerifyOptions = (
  | { did: string; publicKey?: Uint8Array }
  | { did?: string; publicKey: Uint8Array }
) & {
  /**
   * The head the log's owner reports. Read from the store when verifying a store; give it with a list
   * of entries to notice entries cut off the end.
   */
  readonly head?: AuditHead
  /** Sublevel of the log in a store; `audit` by default. */
  readonly sublevel?: string
  /**
   * Require the head to carry the node's signature (always so when reading a store): a head
   * rewritten without the key, to hide entries cut off the end, fails.
   */
  readonly requireSignedHead?: boolean
}

/** The first entry that fails, and why, in words an operator understands. */
export interface AuditFault {
  readonly seq: number
  readonly reason: string
}

export interface AuditVerification {
  /** Chain continuous, every hash and signature valid, head (if known) matching. */
  readonly ok: boolean
  /** How many entries were checked (up to and including the first bad one). */
  readonly entries: number
  /** The last good entry. */
  readonly head: AuditHead
  readonly firstBad?: AuditFault
}

/**
 * Verifies a node's audit log: entries numbered 1, 2, 3, ... without gaps or reordering, each `prev`
 * equal to the previous `hash`, each `hash` matching the entry's content, each signature made by the
 * node's key, and the end of the chain matching the head. Stops at the first failure.
 *
 * `source` is the node's {@link Store} (entries streamed in key order, head read beside them) or the
 * entries themselves, e.g. as served by `GET /api/v1/audit` (untrusted: shapes are checked too).
 */
export async function verifyAuditLog(
  source: Store | Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditVerifyOptions,
): Promise<AuditVerification> {
  const did = signerDid(options)
  const key = ed25519PublicKeyObject(publicKeyFromDidKey(did))
  let entries: Iterable<unknown> | AsyncIterable<unknown>
  let head = options.head
  let requireSigned = options.requireSignedHead === true
  if (source instanceof Store) {
    const sub = source.sublevel(options.sublevel ?? AUDIT_SUBLEVEL)
    const stored = (await sub.get(AUDIT_HEAD_KEY)) as AuditHead | undefined
    requireSigned ||= options.head === undefined && stored !== undefined
    head ??= stored ?? { seq: 0, hash: GENESIS_HASH }
    entries = sub.values(AUDIT_ENTRY_RANGE)
  } else {
    entries = source
  }
  let prev: AuditHead = { seq: 0, hash: GENESIS_HASH }
  let count = 0
  for await (const value of entries) {
    count++
    const fault = checkEntry(value, prev, did, key)
    if (fault !== undefined) return { ok: false, entries: count, head: prev, firstBad: fault }
    const entry = value as AuditEntry
    prev = { seq: entry.seq, hash: entry.hash }
  }
  const fault =
    head === undefined
      ? undefined
      : (checkHead(prev, head) ?? headSignatureFault(head, did, key, requireSigned))
  return fault === undefined
    ? { ok: true, entries: count, head: prev }
    : { ok: false, entries: count, head: prev, firstBad: fault }
}

function signerDid(options: AuditVerifyOptions): string {
  if (options.publicKey !== undefined) {
    const fromKey = didKeyFromPublicKey(options.publicKey)
    if (options.did !== undefined && options.did.split('#')[0] !== fromKey) {
      throw new InvalidInputError(`the public key given is ${fromKey}, not ${options.did}`)
    }
    return fromKey
  }
  if (options.did === undefined)
    throw new InvalidInputError('verifying an audit log needs the DID or public key of its node')
  // Validates and normalises (drops a fragment).
  return didKeyFromPublicKey(publicKeyFromDidKey(options.did))
}

function checkEntry(value: unknown, prev: AuditHead, did: string, key: KeyObject): AuditFault | undefined {
  const expected = prev.seq + 1
  const shape = auditEntryShapeProblem(value)
  if (shape !== undefined) {
    const seq = (value as { seq?: unknown } | null)?.seq
    const n = Number.isSafeInteger(seq) ? (seq as number) : expected
    return { seq: n, reason: `entry ${n} is malformed: ${shape}` }
  }
  const entry = value as AuditEntry
  if (entry.seq > expected) {
    const missing =
      entry.seq === expected + 1 ? `entry ${expected} is` : `entries ${expected} to ${entry.seq - 1} are`
    return {
      seq: expected,
      reason: `${missing} missing: the log goes from entry ${prev.seq} to entry ${entry.seq} (deleted, or moved out of order)`,
    }
  }
  if (entry.seq < expected) {
    return {
      seq: entry.seq,
      reason: `entry ${entry.seq} appears again after entry ${prev.seq}: entries were reordered or duplicated`,
    }
  }
  if (auditEntryHash(entry) !== entry.hash) {
    return {
      seq: entry.seq,
      reason: `entry ${entry.seq} was modified after it was written: its hash does not match its content`,
    }
  }
  if (entry.prev !== prev.hash) {
    return {
      seq: entry.seq,
      reason:
        `entry ${entry.seq} does not link to entry ${prev.seq}: its "prev" is not entry ${prev.seq}'s hash ` +
        `(an entry before it was replaced, or this one was forged)`,
    }
  }
  if (entry.signer !== did) {
    return {
      seq: entry.seq,
      reason: `entry ${entry.seq} names ${entry.signer} as signer, not this node (${did})`,
    }
  }
  if (!verifyEd25519(key, auditSigningInput(entry.hash), entry.signature)) {
    return {
      seq: entry.seq,
      reason: `entry ${entry.seq} has an invalid signature: it was changed or written by someone without ${did}'s key`,
    }
  }
  return undefined
}

/** A fault if the head's signature is missing (when required) or is not the node's. */
function headSignatureFault(
  head: AuditHead,
  did: string,
  key: KeyObject,
  required: boolean,
): AuditFault | undefined {
  if (head.seq === 0) return undefined
  const signature = (head as { signature?: unknown }).signature
  if (signature === undefined && !required) return undefined
  if (typeof signature === 'string' && verifyEd25519(key, auditHeadSigningInput(head), signature))
    return undefined
  return {
    seq: head.seq,
    reason:
      `the log's head (entry ${head.seq}) is not signed by ${did}: it was rewritten without the node's key, ` +
      'which is how entries cut off the end of the log would be hidden',
  }
}

function checkHead(last: AuditHead, head: AuditHead): AuditFault | undefined {
  if (head.seq > last.seq) {
    const missing =
      head.seq === last.seq + 1 ? `entry ${head.seq} is` : `entries ${last.seq + 1} to ${head.seq} are`
    return {
      seq: last.seq + 1,
      reason: `${missing} missing: the log's head says it has ${head.seq} entries, but it ends at entry ${last.seq}`,
    }
  }
  if (head.seq < last.seq) {
    return {
      seq: head.seq + 1,
      reason: `entry ${head.seq + 1} lies beyond the log's head (entry ${head.seq}): entries were added behind the node's back`,
    }
  }
  if (head.hash !== last.hash) {
    return {
      seq: last.seq,
      reason: `entry ${last.seq} is not the entry the log's head recorded: its hash differs`,
    }
  }
  return undefined
}
