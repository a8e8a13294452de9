import { createHash } from 'node:crypto'
import type { JsonLdObject } from './verification.js'

/**
 * Documents whose proofs verified, by a hash of their exact JSON: a member shows the same membership
 * credential in every admission handshake, and checking its proof again (canonicalising the credential) was
 * a large part of a handshake's cost. Only documents signed by did:key alone are remembered: their keys
 * are in the DID itself, so the same bytes can never verify differently later. Validity period and
 * revocation are not proof properties and are checked every time by the caller.
 */
export class VerifiedProofs {
  private readonly hashes = new Set<string>()

  constructor(private readonly capacity = 4096) {}

  /** The key a document is remembered by, or undefined when it may not be (a signer other than did:key). */
  keyOf(document: JsonLdObject, signers: readonly string[]): string | undefined {
    if (!signers.every((signer) => signer.startsWith('did:key:'))) return undefined
    return createHash('sha256').update(JSON.stringify(document)).digest('base64url')
  }

  has(key: string): boolean {
    return this.hashes.has(key)
  }

  add(key: string): void {
    this.hashes.add(key)
    // the oldest go first: a Set iterates in insertion order
    if (this.hashes.size > this.capacity) this.hashes.delete(this.hashes.values().next().value as string)
  }
}
