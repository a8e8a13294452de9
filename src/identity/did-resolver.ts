import { AllmendeError } from '../protocol/errors.js'
import { loadOnce } from '../util/load-once.js'
import { publicKeyFromDidKey } from './did-key.js'
import { DID_DOCUMENT_CONTEXT, type DidDocument, type VerificationMethod } from './did-web.js'
import { InvalidDidError } from './errors.js'

/** A DID could not be resolved from what this node holds (did:web not cached, unknown method, missing key). */
export class UnresolvableDidError extends AllmendeError {
  static override name = 'UnresolvableDidError'
  readonly did: string
  constructor(did: string, message: string) {
    super('ALLMENDE_UNRESOLVABLE_DID', message)
    this.did = did
  }
}

/** Where fetched did:web documents are kept: a Store sublevel or an in-memory map adapter. */
export interface DidDocumentCache {
  get(did: string): Promise<DidDocument | undefined>
  put(did: string, document: DidDocument): Promise<void>
}

/** A verification method as a JSON-LD node, the form document loaders hand to Data Integrity suites. */
export type ResolvedVerificationMethod = VerificationMethod & { '@context': string }

const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1'
const DID_KEY_CACHE_LIMIT = 1024

/** did-method-key's driver for Ed25519 Multikeys, loaded with the credential stack on first use. */
const didKeyDriver = loadOnce(async () => {
  const [didMethodKey, Ed25519Multikey] = await Promise.all([
    import('@digitalbazaar/did-method-key'),
    import('@digitalbazaar/ed25519-multikey'),
  ])
  const driver = didMethodKey.driver()
  driver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from })
  return driver
})

/**
 * Resolves DIDs without the live web: did:key from the key itself (did-method-key), did:web from a cache
 * that peers fill (a data space member hands its did.json over libp2p) and tests fill directly.
 *
 * @example
 * ```ts
 * const resolver = new DidResolver({ didWebCache: store.sublevel<DidDocument>('did-web') })
 * await resolver.cacheDidWebDocument(buildDidWebDocument('kusel.de', nodeKey))
 * const vm = await resolver.resolveVerificationMethod('did:web:kusel.de#z6Mk…')
 * ```
 */
export class DidResolver {
  private readonly didKeyDocuments = new Map<string, DidDocument>()
  private readonly didWebDocuments = new Map<string, DidDocument>()
  private readonly didWebCache: DidDocumentCache | undefined

  constructor(init: { didWebCache?: DidDocumentCache } = {}) {
    this.didWebCache = init.didWebCache
  }

  /** The DID document of a DID (a DID URL's fragment is ignored). */
  async resolve(did: string): Promise<DidDocument> {
    const id = did.split('#')[0]!
    if (id.startsWith('did:key:')) return this.resolveDidKey(id)
    if (id.startsWith('did:web:')) return this.resolveDidWeb(id)
    throw new UnresolvableDidError(id, `cannot resolve ${id}: only did:key and did:web are supported`)
  }

  /** The verification method a DID URL names, with the `@context` a JSON-LD loader must return. */
  async resolveVerificationMethod(url: string): Promise<ResolvedVerificationMethod> {
    const hash = url.indexOf('#')
    if (hash < 0) throw new UnresolvableDidError(url, `${url} names no verification method (no #fragment)`)
    const did = url.slice(0, hash)
    const document = await this.resolve(did)
    const method = (document.verificationMethod ?? []).find((vm) => absoluteId(did, vm.id) === url)
    if (method === undefined)
      throw new UnresolvableDidError(url, `the DID document of ${did} has no verification method ${url}`)
    return { '@context': MULTIKEY_CONTEXT, ...method, id: url, controller: method.controller ?? did }
  }

  /** The raw 32-byte Ed25519 key of a verification method (a Multikey `z6Mk…`). */
  async resolvePublicKey(url: string): Promise<Uint8Array> {
    if (url.startsWith('did:key:')) {
      const [did, fragment] = url.split('#')
      if (fragment !== undefined && fragment !== did!.slice('did:key:'.length)) {
        throw new UnresolvableDidError(url, `${url} is not the verification method of ${did}`)
      }
      return publicKeyFromDidKey(did!)
    }
    const method = await this.resolveVerificationMethod(url)
    if (method.type !== 'Multikey' || typeof method.publicKeyMultibase !== 'string') {
      throw new UnresolvableDidError(url, `${url} is a ${method.type}, not an Ed25519 Multikey`)
    }
    return publicKeyFromDidKey(`did:key:${method.publicKeyMultibase}`)
  }

  /**
   * Keeps a did:web document (received from a peer, or read from a file) for later resolution. The document
   * must be a did:web whose `id` equals `expectedDid` (when given) and whose methods belong to it.
   */
  async cacheDidWebDocument(document: DidDocument, expectedDid?: string): Promise<void> {
    if (typeof document !== 'object' || document === null || typeof document.id !== 'string') {
      throw new InvalidDidError('a DID document needs a string "id"')
    }
    const did = document.id
    if (!did.startsWith('did:web:') || did.includes('#'))
      throw new InvalidDidError(`not a did:web document: ${did}`)
    if (expectedDid !== undefined && expectedDid !== did) {
      throw new InvalidDidError(
        `the DID document's id ${did} does not match the DID it was fetched for, ${expectedDid}`,
      )
    }
    for (const method of document.verificationMethod ?? []) {
      const id = absoluteId(did, method.id)
      if (!id.startsWith(`${did}#`) || (method.controller !== undefined && method.controller !== did)) {
        throw new InvalidDidError(`the verification method ${method.id} does not belong to ${did}`)
      }
      if (method.type === 'Multikey' && typeof method.publicKeyMultibase === 'string') {
        publicKeyFromDidKey(`did:key:${method.publicKeyMultibase}`)
      }
    }
    const stored: DidDocument = { ...document, '@context': document['@context'] ?? [...DID_DOCUMENT_CONTEXT] }
    this.didWebDocuments.set(did, stored)
    await this.didWebCache?.put(did, stored)
  }

  private async resolveDidKey(did: string): Promise<DidDocument> {
    let document = this.didKeyDocuments.get(did)
    if (document !== undefined) return document
    publicKeyFromDidKey(did)
    const driver = await didKeyDriver()
    try {
      document = (await driver.get({ did })) as unknown as DidDocument
    } catch (cause) {
      throw new UnresolvableDidError(did, `cannot resolve ${did}: ${(cause as Error).message}`)
    }
    if (this.didKeyDocuments.size >= DID_KEY_CACHE_LIMIT) {
      this.didKeyDocuments.delete(this.didKeyDocuments.keys().next().value!)
    }
    this.didKeyDocuments.set(did, document)
    return document
  }

  private async resolveDidWeb(did: string): Promise<DidDocument> {
    const cached = this.didWebDocuments.get(did) ?? (await this.didWebCache?.get(did))
    if (cached === undefined) {
      throw new UnresolvableDidError(
        did,
        `${did} is not in the did:web cache; Allmende never fetches did:web documents from the web: ` +
          'obtain its did.json from the peer and cache it first',
      )
    }
    this.didWebDocuments.set(did, cached)
    return cached
  }
}

function absoluteId(did: string, id: string): string {
  return id.startsWith('#') ? `${did}${id}` : id
}
