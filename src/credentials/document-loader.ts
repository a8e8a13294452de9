import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context'
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context'
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context'
import { contexts as odrlContexts } from '@digitalbazaar/odrl-context'
import { contexts as statusListContexts } from '@digitalbazaar/vc-bitstring-status-list-context'
import { contexts as didContexts } from 'did-context'
import { contexts as x25519Contexts } from 'x25519-key-agreement-2020-context'
import { DidResolver, UnresolvableDidError } from '../identity/index.js'
import { UnknownDocumentError } from './errors.js'

/** IRI of Allmende's own `@protected` context (spec/contexts/allmende-v1.jsonld). */
export const ALLMENDE_CONTEXT_V1 = 'https://w3id.org/allmende/v1'
/** IRI of the VC Data Model 2.0 context. */
export const CREDENTIALS_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2'
/** IRI of the ODRL 2.2 context. */
export const ODRL_CONTEXT = 'https://www.w3.org/ns/odrl.jsonld'

/** What a JSON-LD document loader returns (JSON-LD 1.1 API, RemoteDocument). */
export interface RemoteDocument {
  contextUrl: string | null
  documentUrl: string
  document: unknown
  /** `static`: the document never changes, so jsonld.js may keep the processed context across calls. */
  tag?: 'static'
}

/** A JSON-LD document loader: jsonld.js, jsonld-signatures and @digitalbazaar/vc call it for every IRI. */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>

// Files in spec/contexts whose IRI does not follow the naming convention below.
const CONTEXT_FILE_IRIS: Readonly<Record<string, string>> = {
  'allmende-v1.jsonld': ALLMENDE_CONTEXT_V1,
  'allmende-odrl-profile-v1.jsonld': 'https://w3id.org/allmende/odrl-profile/v1',
}

let bundled: ReadonlyMap<string, unknown> | undefined

/**
 * Every context the loader serves, keyed by IRI: the npm context packages (VC 2.0 and 1.1, undefined terms,
 * Data Integrity, Multikey, ODRL, Bitstring Status List, DID, X25519) and the files in `spec/contexts/`.
 * Read once; the files are found from the repository root, so this works from `src/` and `dist/src/`.
 */
export function bundledContexts(): ReadonlyMap<string, unknown> {
  if (bundled !== undefined) return bundled
  const map = new Map<string, unknown>()
  for (const source of [
    credentialsContexts,
    dataIntegrityContexts,
    multikeyContexts,
    odrlContexts,
    statusListContexts,
    didContexts,
    x25519Contexts,
  ]) {
    for (const [iri, document] of source) map.set(iri, deepFreeze(document))
  }
  for (const [iri, document] of specContexts()) map.set(iri, deepFreeze(document))
  bundled = map
  return map
}

/**
 * The IRI of a context file in `spec/contexts/`: the table above, else a top-level `"@id"` in the file, else
 * the naming convention `allmende-<name>-v<N>.jsonld` -> `https://w3id.org/allmende/<name>/v<N>`.
 */
export function contextIriOfFile(fileName: string, document: unknown): string | undefined {
  const listed = CONTEXT_FILE_IRIS[fileName]
  if (listed !== undefined) return listed
  const declared = (document as { '@id'?: unknown })['@id']
  if (typeof declared === 'string') return declared
  const match = /^allmende-(.+)-v(\d+)\.jsonld$/.exec(fileName)
  return match === null ? undefined : `https://w3id.org/allmende/${match[1]}/v${match[2]}`
}

function specContexts(): Array<[string, unknown]> {
  const dir = join(repositoryRoot(), 'spec', 'contexts')
  if (!existsSync(dir)) return []
  const found: Array<[string, unknown]> = []
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.jsonld')) continue
    const document = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown
    const iri = contextIriOfFile(file, document)
    if (iri !== undefined) found.push([iri, document])
  }
  return found
}

/** The directory holding package.json, walking up from this module (src/credentials or dist/src/credentials). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

/**
 * The offline document loader, the trust boundary of all JSON-LD processing: bundled contexts, DIDs through
 * the {@link DidResolver} (did:key from the key, did:web from its cache), `extra` documents the caller pins.
 * It never touches the network; any other URL throws {@link UnknownDocumentError} naming it.
 */
export function createDocumentLoader(
  init: { resolver?: DidResolver; documents?: ReadonlyMap<string, unknown> } = {},
): DocumentLoader {
  const contexts = bundledContexts()
  const resolver = init.resolver ?? defaultResolver()
  const documents = init.documents
  return async (url: string) => {
    const context = contexts.get(url) ?? documents?.get(url)
    if (context !== undefined) return { contextUrl: null, documentUrl: url, document: context, tag: 'static' }
    if (url.startsWith('did:')) {
      try {
        const document = url.includes('#')
          ? await resolver.resolveVerificationMethod(url)
          : await resolver.resolve(url)
        return { contextUrl: null, documentUrl: url, document }
      } catch (error) {
        if (error instanceof UnresolvableDidError) throw error
        throw new UnresolvableDidError(url, `cannot resolve ${url}: ${(error as Error).message}`)
      }
    }
    throw new UnknownDocumentError(url)
  }
}

/** Whether a context IRI is bundled (for a quick check before any JSON-LD processing). */
export function isBundledContext(iri: string): boolean {
  return bundledContexts().has(iri)
}

let sharedResolver: DidResolver | undefined
/** A process-wide resolver for callers that pass none: did:key only, empty did:web cache. */
export function defaultResolver(): DidResolver {
  sharedResolver ??= new DidResolver()
  return sharedResolver
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
