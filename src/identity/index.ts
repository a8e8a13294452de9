/**
 * @packageDocumentation
 * The node's identity: one Ed25519 key that is its libp2p PeerId and its did:key.
 *
 * @example
 * ```ts
 * const key = await loadNodeKey(join(dir, 'node.key'))
 * key.did // did:key:z6Mk…
 * key.peerId.toString() // 12D3KooW…
 * ```
 */
export {
  didKeyFromPeerId,
  didKeyFromPublicKey,
  didKeyOfPeer,
  peerIdFromDidKey,
  publicKeyFromDidKey,
  verificationMethodOfDidKey,
} from './did-key.js'
export {
  type DidDocumentCache,
  DidResolver,
  type ResolvedVerificationMethod,
  UnresolvableDidError,
} from './did-resolver.js'
export {
  buildDidWebDocument,
  DID_DOCUMENT_CONTEXT,
  type DidDocument,
  type DidWebIdentity,
  didWebDocumentUrl,
  didWebFromDomain,
  didWebIdentity,
  type VerificationMethod,
} from './did-web.js'
export { InvalidDidError, KeyFileError } from './errors.js'
export { generateNodeKey, loadNodeKey, type NodeKey, nodeKeyFromSeed, writeNodeKey } from './node-key.js'
