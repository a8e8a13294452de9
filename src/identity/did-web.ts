import { base58btc } from 'multiformats/bases/base58'
import { InvalidDidError } from './errors.js'

/** A W3C DID document, as far as Allmende reads one (DID Core 1.0 §5). */
export interface DidDocument {
  '@context'?: unknown
  id: string
  alsoKnownAs?: string[]
  controller?: string | string[]
  verificationMethod?: VerificationMethod[]
  authentication?: Array<string | VerificationMethod>
  assertionMethod?: Array<string | VerificationMethod>
  capabilityInvocation?: Array<string | VerificationMethod>
  capabilityDelegation?: Array<string | VerificationMethod>
  keyAgreement?: Array<string | VerificationMethod>
  service?: unknown[]
  [property: string]: unknown
}

/** A verification method; Allmende signs with Ed25519 `Multikey` methods (`publicKeyMultibase` `z6Mk…`). */
export interface VerificationMethod {
  id: string
  type: string
  controller: string
  publicKeyMultibase?: string
  [property: string]: unknown
}

/** The context a did:web (or did:key) document with Multikey methods needs. */
export const DID_DOCUMENT_CONTEXT: readonly string[] = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/multikey/v1',
]

// did:web method spec §3.1: a host name (with an optional port, %3A-encoded in the DID) and an optional path.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/

/**
 * The did:web of a domain: `kusel.de` -> `did:web:kusel.de`, `localhost:8443` -> `did:web:localhost%3A8443`,
 * `kusel.de/daten` -> `did:web:kusel.de:daten` (did:web method spec §3.1).
 */
export function didWebFromDomain(domain: string): string {
  const trimmed = domain
    .trim()
    .replace(/^https:\/\//, '')
    .replace(/\/+$/, '')
  const [hostPort = '', ...path] = trimmed.split('/')
  const [host = '', port, extra] = hostPort.toLowerCase().split(':')
  if (extra !== undefined || !HOST.test(host)) {
    throw new InvalidDidError(`not a domain name for did:web: "${domain}" (expected e.g. kusel.de)`)
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new InvalidDidError(`the port in "${domain}" is not a number`)
  }
  for (const segment of path) {
    if (!PATH_SEGMENT.test(segment))
      throw new InvalidDidError(`the path segment "${segment}" in "${domain}" is invalid`)
  }
  const authority = port === undefined ? host : `${host}%3A${port}`
  return ['did:web', authority, ...path].join(':')
}

/** Where a did:web document is published: `https://host/.well-known/did.json` or `https://host/path/did.json`. */
export function didWebDocumentUrl(did: string): string {
  const id = did.split('#')[0]!
  if (!id.startsWith('did:web:')) throw new InvalidDidError(`not a did:web: ${did}`)
  const [authority = '', ...path] = id.slice('did:web:'.length).split(':')
  const host = decodeURIComponent(authority)
  return path.length === 0
    ? `https://${host}/.well-known/did.json`
    : `https://${host}/${path.join('/')}/did.json`
}

/** The identity a node signs with under its did:web: same key, did:web controller, `#z6Mk…` method. */
export interface DidWebIdentity {
  readonly did: string
  readonly verificationMethod: string
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
}

/**
 * The did:web identity of a node key for a domain: the key stays the node's Ed25519 key (docs/architecture.md, "One key,
 * three faces"); only the DID and the verification method id change. Pass it wherever a signing key is taken.
 */
export function didWebIdentity(
  domain: string,
  nodeKey: { seed: Uint8Array; publicKey: Uint8Array },
): DidWebIdentity {
  const did = didWebFromDomain(domain)
  return {
    did,
    verificationMethod: `${did}#${multibaseOfPublicKey(nodeKey.publicKey)}`,
    seed: nodeKey.seed,
    publicKey: nodeKey.publicKey,
  }
}

/**
 * The did:web document to publish at {@link didWebDocumentUrl} for a city's domain. It names the node key as
 * a Multikey for every verification relationship but key agreement, and links the node's did:key through
 * `alsoKnownAs`, so peers that know the node by its PeerId find the same key.
 */
export function buildDidWebDocument(
  domain: string,
  nodeKey: { publicKey: Uint8Array; did: string },
): DidDocument {
  const did = didWebFromDomain(domain)
  const multibase = multibaseOfPublicKey(nodeKey.publicKey)
  const vmId = `${did}#${multibase}`
  return {
    '@context': [...DID_DOCUMENT_CONTEXT],
    id: did,
    alsoKnownAs: [nodeKey.did],
    verificationMethod: [{ id: vmId, type: 'Multikey', controller: did, publicKeyMultibase: multibase }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  }
}

/** `z6Mk…`: base58btc of the Ed25519 multicodec prefix and the key (the did:key method-specific id). */
function multibaseOfPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32)
    throw new InvalidDidError(`an Ed25519 public key has 32 bytes, got ${publicKey.length}`)
  const bytes = new Uint8Array(34)
  bytes.set([0xed, 0x01])
  bytes.set(publicKey, 2)
  return base58btc.encode(bytes)
}
