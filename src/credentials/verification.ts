import { InvalidDidError, UnresolvableDidError } from '../identity/index.js'
import { UnknownDocumentError } from './errors.js'

/** A JSON-LD object as found in credentials: keys to any JSON value. */
export type JsonLdObject = Record<string, unknown>

/**
 * The check that refused a credential, presentation or agreement. Stable names, so callers (CLI, API, peers)
 * can act on them.
 */
export type VerificationCheck =
  | 'malformed'
  | 'data-model'
  | 'unknown-context'
  | 'unresolvable-did'
  | 'signature'
  | 'issuer'
  | 'proof-set'
  | 'counter-proof-missing'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'status-unavailable'
  | 'challenge'
  | 'domain'
  | 'holder'

/** A refusal: which check failed and a message a person can act on. */
export interface VerificationFailure {
  readonly verified: false
  readonly check: VerificationCheck
  readonly message: string
}

/** The revocation state found for a credential. `none`: it has no status entry. */
export type RevocationStatus =
  | { readonly state: 'none' }
  | { readonly state: 'valid'; readonly listUrl: string; readonly index: number }
  | { readonly state: 'unknown'; readonly listUrl: string; readonly index: number; readonly reason: string }

/** A refusal as a value. */
export function failure(check: VerificationCheck, message: string): VerificationFailure {
  return { verified: false, check, message }
}

/** Maps an error thrown somewhere inside JSON-LD processing to the check it means. */
export function checkOfError(error: unknown): VerificationCheck {
  const seen = new Set<unknown>()
  const stack: unknown[] = [error]
  while (stack.length > 0) {
    const current = stack.pop()
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    if (current instanceof UnknownDocumentError) return 'unknown-context'
    if (current instanceof UnresolvableDidError || current instanceof InvalidDidError)
      return 'unresolvable-did'
    if (Array.isArray(current)) stack.push(...current)
    const { cause, details } = current as { cause?: unknown; details?: unknown }
    stack.push(cause, details)
    if (details !== null && typeof details === 'object') stack.push((details as { cause?: unknown }).cause)
  }
  return 'signature'
}

/** The message of an error (or of the first of several), for a failure. */
export function messageOf(error: unknown): string {
  if (Array.isArray(error)) return error.map(messageOf).join('; ')
  if (error instanceof Error) return error.message
  return String(error)
}

/** Every `@context` IRI used anywhere in a document (top level, proofs, embedded credentials). */
export function contextIrisOf(document: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(document)) {
    for (const item of document) contextIrisOf(item, found)
  } else if (document !== null && typeof document === 'object') {
    for (const [key, value] of Object.entries(document)) {
      if (key === '@context') {
        for (const entry of Array.isArray(value) ? value : [value]) {
          if (typeof entry === 'string') found.add(entry)
        }
      } else {
        contextIrisOf(value, found)
      }
    }
  }
  return found
}

/** The `id` of an issuer, holder or party given as a string or an object. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id
  }
  return undefined
}

/** A value or array as an array. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
