import { createHash } from 'node:crypto'
import type { Store, Sublevel } from '../store/index.js'

/** The store's sublevel of the descriptor files this node verified, by the SHA-256 of their bytes. */
export const VERIFIED_DESCRIPTORS_SUBLEVEL = 'verified-descriptors'

/**
 * The descriptor files a node verified before, remembered by the SHA-256 of their exact bytes: a start reads the
 * same file each time, and checking it (an RDF canonicalization per proof, with the credential libraries loaded
 * for it) took about a tenth of a member's start. Other bytes are another file and are checked in full.
 */
export class VerifiedDescriptors {
  private readonly digests: Sublevel<true>

  constructor(store: Store) {
    this.digests = store.sublevel<true>(VERIFIED_DESCRIPTORS_SUBLEVEL)
  }

  async has(text: string): Promise<boolean> {
    return (await this.digests.get(digestOf(text))) !== undefined
  }

  async add(text: string): Promise<void> {
    await this.digests.put(digestOf(text), true)
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
