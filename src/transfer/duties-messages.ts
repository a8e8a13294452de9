import { createPublicKey, verify } from 'node:crypto'
import { canonicalJson } from '../audit/index.js'
import { type NodeKey, publicKeyFromDidKey } from '../identity/index.js'
import { InvalidInputError } from '../protocol/index.js'
import type { DutyState } from './duties.js'

/** The consumer attests that it deleted the data of one transfer, as a delete duty requires. */
export interface DeletionReceiptBody {
  readonly type: 'DeletionReceipt'
  readonly agreement: string
  /** The duty's id within the agreement (see `dutiesOf`). */
  readonly duty: string
  /** The provider's transfer process id (`providerPid`), as in the transfer receipt. */
  readonly transfer: string
  /** SHA-256 (hex) of the content that was received and is now deleted. */
  readonly sha256: string
  readonly deletedAt: string
  readonly consumer: string
  readonly provider: string
}

/** The consumer tells the provider of one use of the data, as an inform duty requires. */
export interface UsageNoticeBody {
  readonly type: 'UsageNotice'
  readonly agreement: string
  readonly duty: string
  readonly transfer: string
  readonly bytes: number
  /** The purpose declared in the negotiation, when there was one. */
  readonly purpose?: string
  readonly time: string
  readonly consumer: string
  readonly provider: string
}

export type DutyMessageBody = DeletionReceiptBody | UsageNoticeBody

/** A duty message with the consumer's detached Ed25519 signature (base64url) over its canonical JSON. */
export type DutyMessage = DutyMessageBody & { readonly signature: string }

/** The provider's answer to a duty message: the duty's state after it. */
export interface DutyAck {
  readonly type: 'DutyAck'
  readonly agreement: string
  readonly duty: string
  readonly transfer: string
  readonly state: DutyState
}

/** A duty message is malformed, unsigned, signed by another key, or not about a use of the sender's. */
export class DutyEvidenceError extends InvalidInputError {
  static override name = 'DutyEvidenceError'
}

const COMMON = ['type', 'agreement', 'duty', 'transfer', 'consumer', 'provider'] as const
const FIELDS: Record<DutyMessageBody['type'], readonly string[]> = {
  DeletionReceipt: [...COMMON, 'sha256', 'deletedAt'],
  UsageNotice: [...COMMON, 'bytes', 'purpose', 'time'],
}

/** Signs a duty message as its consumer; throws when this node is not the consumer it names. */
export function signDutyMessage(body: DutyMessageBody, nodeKey: NodeKey): DutyMessage {
  if (body.consumer !== nodeKey.did) {
    throw new DutyEvidenceError(`this node (${nodeKey.did}) cannot sign for the consumer ${body.consumer}`)
  }
  const problem = shapeProblem(body as unknown as Record<string, unknown>)
  if (problem !== undefined) throw new DutyEvidenceError(`cannot sign the ${body.type}: ${problem}`)
  const clean = bodyOf(body)
  const signature = Buffer.from(nodeKey.sign(signingInput(clean))).toString('base64url')
  return { ...clean, signature }
}

/** Outcome of {@link verifyDutyMessage}. */
export type DutyMessageVerification =
  | { readonly ok: true; readonly message: DutyMessage }
  | { readonly ok: false; readonly problem: string }

/**
 * Checks a duty message (untrusted input): its shape, no unsigned fields, and the signature of the
 * consumer's did:key over the canonical JSON of the body.
 */
export function verifyDutyMessage(value: unknown): DutyMessageVerification {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'the duty message is not a JSON object' }
  }
  const raw = value as Record<string, unknown>
  const problem = shapeProblem(raw)
  if (problem !== undefined) return { ok: false, problem }
  const allowed = new Set([...FIELDS[raw.type as DutyMessageBody['type']], 'signature'])
  const extra = Object.keys(raw).filter((k) => !allowed.has(k))
  if (extra.length > 0) return { ok: false, problem: `unsigned fields: ${extra.join(', ')}` }
  if (typeof raw.signature !== 'string' || raw.signature === '') {
    return { ok: false, problem: 'the consumer has not signed it' }
  }
  let key: ReturnType<typeof createPublicKey>
  try {
    const x = Buffer.from(publicKeyFromDidKey(raw.consumer as string)).toString('base64url')
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
  } catch (cause) {
    return {
      ok: false,
      problem: `the consumer ${String(raw.consumer)} is not a did:key: ${(cause as Error).message}`,
    }
  }
  const body = bodyOf(raw as unknown as DutyMessageBody)
  const signature = Buffer.from(raw.signature, 'base64url')
  if (!verify(null, signingInput(body), key, signature)) {
    return {
      ok: false,
      problem: `the signature does not match: changed, or not signed by ${String(raw.consumer)}`,
    }
  }
  return { ok: true, message: { ...body, signature: raw.signature } }
}

function signingInput(body: DutyMessageBody): Uint8Array {
  return new TextEncoder().encode(canonicalJson(body as never))
}

/** Exactly the signed fields of the message's type. */
function bodyOf(message: DutyMessageBody): DutyMessageBody {
  const out: Record<string, unknown> = {}
  for (const field of FIELDS[message.type]) {
    const value = (message as unknown as Record<string, unknown>)[field]
    if (value !== undefined) out[field] = value
  }
  return out as unknown as DutyMessageBody
}

function shapeProblem(m: Record<string, unknown>): string | undefined {
  if (m.type !== 'DeletionReceipt' && m.type !== 'UsageNotice') {
    return `"type" must be DeletionReceipt or UsageNotice, not ${JSON.stringify(m.type)}`
  }
  for (const field of ['agreement', 'duty', 'transfer', 'consumer', 'provider']) {
    if (typeof m[field] !== 'string' || m[field] === '') return `"${field}" is not a non-empty string`
  }
  if (m.type === 'DeletionReceipt') {
    if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))
      return '"sha256" is not a SHA-256 hex hash'
    if (typeof m.deletedAt !== 'string' || Number.isNaN(Date.parse(m.deletedAt)))
      return '"deletedAt" is not a date'
    return undefined
  }
  if (!Number.isSafeInteger(m.bytes) || (m.bytes as number) < 0) return '"bytes" is not a byte count'
  if (typeof m.time !== 'string' || Number.isNaN(Date.parse(m.time))) return '"time" is not a date'
  if (m.purpose !== undefined && (typeof m.purpose !== 'string' || m.purpose === '')) {
    return '"purpose" is not a non-empty string'
  }
  return undefined
}
