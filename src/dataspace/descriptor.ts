import { randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import {
  ALLMENDE_CONTEXT_V1,
  addProof,
  createDocumentLoader,
  type DocumentLoader,
  type JsonLdObject,
  loadVcLibraries,
  type SigningKey,
} from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import { loadOnce } from '../util/load-once.js'
import { InvalidDescriptorError } from './errors.js'
import type { VerifiedDescriptors } from './verified-descriptors.js'

/** The Data Integrity v2 context: defines `id`, `type` and `proof` for a document that is not a credential. */
export const DATA_INTEGRITY_CONTEXT_V2 = 'https://w3id.org/security/data-integrity/v2'
/** Allmende's ODRL profile, the default `odrlProfile` of a new data space. */
export const ALLMENDE_ODRL_PROFILE = 'https://w3id.org/allmende/odrl-profile/v1'
/**
 * The `@context` of every descriptor: Data Integrity for `id`, `type` and the proof, Allmende's terms for the
 * rest, and Dublin Core `title` inline (the Allmende context does not define it; signing in JSON-LD safe mode
 * refuses undefined terms).
 */
export const DESCRIPTOR_CONTEXT: readonly (string | Record<string, string>)[] = [
  DATA_INTEGRITY_CONTEXT_V2,
  ALLMENDE_CONTEXT_V1,
  { title: 'http://purl.org/dc/terms/title', version: 'http://www.w3.org/2002/07/owl#versionInfo' },
]
/** The context of descriptors written before versions existed (read as version 1). */
const UNVERSIONED_CONTEXT: readonly (string | Record<string, string>)[] = [
  DATA_INTEGRITY_CONTEXT_V2,
  ALLMENDE_CONTEXT_V1,
  { title: 'http://purl.org/dc/terms/title' },
]

/**
 * A data space descriptor (docs/architecture.md): the one shared document of a data space,
 * signed by every one of its trust anchors (a Data Integrity `eddsa-rdfc-2022` proof set).
 */
export interface DataspaceDescriptor {
  '@context': (string | Record<string, string>)[]
  /** `urn:uuid:…`; also the data space id of the nodes (DHT prefix, gossip topic). */
  id: string
  type: 'DataSpaceDescriptor'
  title: string
  /** Counts the signed versions: members replace theirs when a peer shows a newer one. Absent in old files: 1. */
  version?: number
  /** DIDs of the anchors: they sign the descriptor and endorse members. */
  trustAnchor: string[]
  /** How many distinct anchors must have endorsed a member. */
  endorsementsRequired: number
  /** How many anchors' revocations drop a member, whether they endorsed it or not; absent: 1 (any anchor vetoes). */
  revocationsRequired?: number
  /** Full multiaddrs (`…/p2p/<peerId>`) a new member dials first. */
  bootstrap: string[]
  /** IRI of the ODRL profile policies in this data space follow. */
  odrlProfile: string
  proof?: JsonLdObject | JsonLdObject[]
}

/** What a new descriptor says; `id` is a fresh `urn:uuid` unless given. */
export interface DescriptorInit {
  title: string
  /** Every anchor signs; the first is the node creating the space. */
  anchors: readonly SigningKey[]
  endorsementsRequired?: number
  revocationsRequired?: number
  bootstrap?: readonly string[]
  odrlProfile?: string
  id?: string
  now?: Date
}

/** The content of a descriptor before anyone signs it: anchors by DID, so anchors on other machines co-sign. */
export interface DescriptorDraft {
  title: string
  trustAnchor: readonly string[]
  endorsementsRequired?: number
  revocationsRequired?: number
  bootstrap?: readonly string[]
  odrlProfile?: string
  id?: string
  version?: number
}

/** An unsigned descriptor; {@link signDescriptor} adds each anchor's proof. */
export function draftDescriptor(init: DescriptorDraft): DataspaceDescriptor {
  const unsigned: DataspaceDescriptor = {
    '@context': structuredClone([...DESCRIPTOR_CONTEXT]),
    id: init.id ?? `urn:uuid:${randomUUID()}`,
    type: 'DataSpaceDescriptor',
    title: init.title.trim(),
    version: init.version ?? 1,
    trustAnchor: [...new Set(init.trustAnchor)],
    endorsementsRequired: init.endorsementsRequired ?? 1,
    ...(init.revocationsRequired === undefined ? {} : { revocationsRequired: init.revocationsRequired }),
    bootstrap: [...new Set(init.bootstrap ?? [])],
    odrlProfile: init.odrlProfile ?? ALLMENDE_ODRL_PROFILE,
  }
  checkShape(unsigned as unknown as JsonLdObject, false)
  return unsigned
}

/**
 * Creates a data space descriptor signed by each of its anchors (one proof each, a proof set when several).
 *
 * @example
 * ```ts
 * const descriptor = await createDescriptor({ title: 'Südwest-Cluster', anchors: [nodeKey] })
 * ```
 */
export async function createDescriptor(init: DescriptorInit): Promise<DataspaceDescriptor> {
  if (init.anchors.length === 0)
    throw new InvalidDescriptorError('a data space needs at least one trust anchor')
  let signed = draftDescriptor({ ...init, trustAnchor: init.anchors.map((a) => a.did) })
  for (const anchor of init.anchors) {
    signed = await signDescriptor(signed, anchor, init.now === undefined ? {} : { now: init.now })
  }
  return signed
}

/**
 * Adds this anchor's proof to a (partly signed) descriptor. Refuses a key that is no anchor of it, a second
 * proof by the same anchor, and a document whose earlier proofs do not verify (it was altered since).
 */
export async function signDescriptor(
  descriptor: DataspaceDescriptor,
  key: SigningKey,
  options: { now?: Date; resolver?: DidResolver } = {},
): Promise<DataspaceDescriptor> {
  if (!descriptor.trustAnchor.includes(key.did)) {
    throw new InvalidDescriptorError(`${key.did} is not a trust anchor of this descriptor and cannot sign it`)
  }
  const proofs = proofsOf(descriptor as unknown as JsonLdObject)
  if (proofs.length > 0) {
    const { signers } = await checkDescriptorProofs(descriptor, { ...options, partial: true })
    if (signers.includes(key.did)) return descriptor
  }
  const unsigned = { ...descriptor } as unknown as JsonLdObject
  delete unsigned.proof
  const mine = (await addProof(unsigned, key, options.now === undefined ? {} : { now: options.now }))
    .proof as JsonLdObject
  const all = [...proofs, mine]
  return { ...descriptor, proof: all.length === 1 ? mine : all } as DataspaceDescriptor
}

/** The next version of a descriptor with `changes`, unsigned: every anchor of the result signs it anew. */
export function nextDescriptorVersion(
  current: DataspaceDescriptor,
  changes: Partial<
    Pick<
      DescriptorDraft,
      'trustAnchor' | 'endorsementsRequired' | 'revocationsRequired' | 'bootstrap' | 'title'
    >
  >,
): DataspaceDescriptor {
  const revocationsRequired = changes.revocationsRequired ?? current.revocationsRequired
  return draftDescriptor({
    id: current.id,
    title: changes.title ?? current.title,
    trustAnchor: changes.trustAnchor ?? current.trustAnchor,
    endorsementsRequired: changes.endorsementsRequired ?? current.endorsementsRequired,
    ...(revocationsRequired === undefined ? {} : { revocationsRequired }),
    bootstrap: changes.bootstrap ?? current.bootstrap,
    odrlProfile: current.odrlProfile,
    version: descriptorVersion(current) + 1,
  })
}

/** The version of a descriptor (1 for files written before versions existed). */
export function descriptorVersion(descriptor: DataspaceDescriptor): number {
  return descriptor.version ?? 1
}

/**
 * Why `next` may not replace `current`, or undefined when it may: same data space, a higher version, fully
 * signed (checked by the caller with {@link verifyDescriptor}), and signed by a majority of the current
 * anchors, so no single anchor of several can take the data space over.
 */
export function successorRefusal(
  current: DataspaceDescriptor,
  next: DataspaceDescriptor,
): string | undefined {
  if (next.id !== current.id) return `it describes data space ${next.id}, not ${current.id}`
  if (descriptorVersion(next) <= descriptorVersion(current)) {
    return `its version ${descriptorVersion(next)} is not newer than ${descriptorVersion(current)}`
  }
  const continuing = current.trustAnchor.filter((anchor) => next.trustAnchor.includes(anchor))
  if (continuing.length * 2 <= current.trustAnchor.length) {
    return `only ${continuing.length} of the ${current.trustAnchor.length} current trust anchors signed it; a majority must`
  }
  return undefined
}

const verifyingSuite = loadOnce(async () => {
  const { DataIntegrityProof, eddsaRdfc2022 } = await loadVcLibraries()
  return new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })
})
const loaders = new WeakMap<object, DocumentLoader>()
const defaultLoaderKey = {}

function loaderFor(resolver: DidResolver | undefined): DocumentLoader {
  const key = resolver ?? defaultLoaderKey
  let loader = loaders.get(key)
  if (loader === undefined) {
    loader = createDocumentLoader(resolver === undefined ? {} : { resolver })
    loaders.set(key, loader)
  }
  return loader
}

/**
 * Checks a descriptor and returns it typed: its shape, and that EVERY proof verifies and that the signers are
 * exactly its trust anchors (each anchor signed, nobody else). Throws {@link InvalidDescriptorError} saying
 * what is wrong, so a tampered or half-signed descriptor is never joined.
 */
export async function verifyDescriptor(
  document: unknown,
  options: { resolver?: DidResolver } = {},
): Promise<DataspaceDescriptor> {
  return (await checkDescriptorProofs(document, options)).descriptor
}

/**
 * Checks a descriptor some anchors may not have signed yet: shape, every proof present verifies and is by an
 * anchor. Returns who signed and who still has to.
 */
export async function checkDescriptorDraft(
  document: unknown,
  options: { resolver?: DidResolver } = {},
): Promise<{ descriptor: DataspaceDescriptor; signers: string[]; missing: string[] }> {
  return checkDescriptorProofs(document, { ...options, partial: true })
}

function proofsOf(descriptor: JsonLdObject): JsonLdObject[] {
  const proof = descriptor.proof
  if (proof === undefined) return []
  return (Array.isArray(proof) ? proof : [proof]) as JsonLdObject[]
}

async function checkDescriptorProofs(
  document: unknown,
  options: { resolver?: DidResolver; partial?: boolean },
): Promise<{ descriptor: DataspaceDescriptor; signers: string[]; missing: string[] }> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new InvalidDescriptorError('a data space descriptor must be a JSON object')
  }
  const descriptor = document as JsonLdObject
  checkShape(descriptor, options.partial !== true)
  const proofs = proofsOf(descriptor)
  const signers = new Set<string>()
  for (const proof of proofs) {
    if (proof === null || typeof proof !== 'object')
      throw new InvalidDescriptorError('a proof of the descriptor is not an object')
    if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-rdfc-2022') {
      throw new InvalidDescriptorError(
        `unsupported descriptor proof ${String(proof.type)}/${String(proof.cryptosuite)}`,
      )
    }
    if (proof.proofPurpose !== 'assertionMethod' || typeof proof.verificationMethod !== 'string') {
      throw new InvalidDescriptorError(
        'a descriptor proof must be an assertionMethod proof naming its verification method',
      )
    }
    const method = proof.verificationMethod
    signers.add(method.includes('#') ? method.slice(0, method.indexOf('#')) : method)
  }
  const anchors = descriptor.trustAnchor as string[]
  const strangers = [...signers].filter((s) => !anchors.includes(s))
  if (strangers.length > 0) {
    throw new InvalidDescriptorError(
      `the descriptor is signed by ${strangers.join(', ')}, who is not one of its trust anchors`,
    )
  }
  const missing = anchors.filter((a) => !signers.has(a))
  if (missing.length > 0 && options.partial !== true) {
    throw new InvalidDescriptorError(
      `trust anchor ${missing.join(', ')} has not signed the descriptor${missing.length < anchors.length ? ' (co-sign it with: allmende dataspace sign FILE)' : ''}`,
    )
  }
  if (proofs.length > 0) {
    const { jsigs } = await loadVcLibraries()
    let result: Awaited<ReturnType<typeof jsigs.verify>>
    try {
      result = await jsigs.verify(descriptor, {
        suite: await verifyingSuite(),
        purpose: new jsigs.purposes.AssertionProofPurpose(),
        documentLoader: loaderFor(options.resolver),
      })
    } catch (cause) {
      throw new InvalidDescriptorError(`the descriptor cannot be verified: ${(cause as Error).message}`, {
        cause,
      })
    }
    const results = result.results ?? []
    if (!result.verified || results.length !== proofs.length || results.some((r) => !r.verified)) {
      const error = results.find((r) => !r.verified)?.error ?? result.error
      const detail = Array.isArray(error)
        ? error.map((e) => e.message).join('; ')
        : (error?.message ?? 'a proof did not verify')
      throw new InvalidDescriptorError(
        `the descriptor's signature does not verify (altered after signing?): ${detail}`,
      )
    }
  }
  return { descriptor: descriptor as unknown as DataspaceDescriptor, signers: [...signers], missing }
}

function checkShape(descriptor: JsonLdObject, signed: boolean): void {
  const fail = (what: string): never => {
    throw new InvalidDescriptorError(`not a valid data space descriptor: ${what}`)
  }
  const context = JSON.stringify(descriptor['@context'])
  const unversioned = context === JSON.stringify(UNVERSIONED_CONTEXT)
  if (context !== JSON.stringify(DESCRIPTOR_CONTEXT) && !unversioned) {
    fail(`"@context" must be ${JSON.stringify(DESCRIPTOR_CONTEXT)}`)
  }
  if (
    unversioned
      ? descriptor.version !== undefined
      : !Number.isInteger(descriptor.version) || (descriptor.version as number) < 1
  ) {
    fail('"version" must be a whole number from 1 (and is defined by the context)')
  }
  if (typeof descriptor.id !== 'string' || !/^urn:uuid:[0-9a-f-]{36}$/i.test(descriptor.id))
    fail('"id" must be a urn:uuid')
  if (descriptor.type !== 'DataSpaceDescriptor') fail('"type" must be "DataSpaceDescriptor"')
  if (typeof descriptor.title !== 'string' || descriptor.title.trim() === '')
    fail('"title" must be a non-empty string')
  const anchors = descriptor.trustAnchor
  if (
    !Array.isArray(anchors) ||
    anchors.length === 0 ||
    anchors.some((a) => typeof a !== 'string' || !a.startsWith('did:'))
  ) {
    fail('"trustAnchor" must list at least one DID')
  }
  if (new Set(anchors as string[]).size !== (anchors as string[]).length)
    fail('"trustAnchor" lists a DID twice')
  const required = descriptor.endorsementsRequired
  if (
    !Number.isInteger(required) ||
    (required as number) < 1 ||
    (required as number) > (anchors as string[]).length
  ) {
    fail(
      `"endorsementsRequired" must be a whole number from 1 to the number of anchors (${(anchors as string[]).length})`,
    )
  }
  const revocations = descriptor.revocationsRequired
  if (
    revocations !== undefined &&
    (!Number.isInteger(revocations) ||
      (revocations as number) < 1 ||
      (revocations as number) > (anchors as string[]).length)
  ) {
    fail(
      `"revocationsRequired" must be a whole number from 1 to the number of anchors (${(anchors as string[]).length})`,
    )
  }
  if (!Array.isArray(descriptor.bootstrap) || descriptor.bootstrap.some((b) => typeof b !== 'string')) {
    fail('"bootstrap" must be a list of multiaddrs')
  }
  if (typeof descriptor.odrlProfile !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(descriptor.odrlProfile)) {
    fail('"odrlProfile" must be an IRI')
  }
  if (
    signed &&
    (descriptor.proof === undefined || (Array.isArray(descriptor.proof) && descriptor.proof.length === 0))
  ) {
    fail('it carries no proof of its trust anchors')
  }
}

/**
 * Reads and verifies a descriptor file. With `verified`, bytes verified before are taken as they are, and bytes
 * that verify now are remembered: a check that depends on nothing but the bytes (every anchor a did:key, whose
 * key is its name; a did:web anchor's document can change, so its descriptors are checked every time).
 */
export async function readDescriptorFile(
  file: string,
  options: { resolver?: DidResolver; verified?: VerifiedDescriptors } = {},
): Promise<DataspaceDescriptor> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new InvalidDescriptorError(
      code === 'ENOENT'
        ? `descriptor ${file} not found`
        : `cannot read descriptor ${file}: ${(cause as Error).message}`,
      { cause },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new InvalidDescriptorError(`descriptor ${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    })
  }
  const { verified } = options
  if (verified !== undefined && (await verified.has(text))) return json as DataspaceDescriptor
  let descriptor: DataspaceDescriptor
  try {
    descriptor = await verifyDescriptor(
      json,
      options.resolver === undefined ? {} : { resolver: options.resolver },
    )
  } catch (error) {
    if (error instanceof InvalidDescriptorError)
      throw new InvalidDescriptorError(`${file}: ${error.message}`, { cause: error })
    throw error
  }
  if (verified !== undefined && descriptor.trustAnchor.every((anchor) => anchor.startsWith('did:key:'))) {
    await verified.add(text)
  }
  return descriptor
}

/** Writes a descriptor as pretty JSON (mode 0644: it is public). */
export async function writeDescriptorFile(file: string, descriptor: DataspaceDescriptor): Promise<void> {
  await writeFile(file, `${JSON.stringify(descriptor, null, 2)}\n`, { mode: 0o644 })
}

/** Whether a DID is a trust anchor of the data space. */
export function isAnchor(descriptor: DataspaceDescriptor, did: string): boolean {
  return descriptor.trustAnchor.includes(did)
}
