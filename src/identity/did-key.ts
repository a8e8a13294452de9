import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidDidError } from './errors.js'

/** Multicodec prefix of an Ed25519 public key (0xed, varint-encoded). */
const ED25519_PUB_PREFIX = Uint8Array.of(0xed, 0x01)

/** `did:key:z6Mk…` of a raw 32-byte Ed25519 public key (W3C did:key, Ed25519 method). */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(34)
  bytes.set(ED25519_PUB_PREFIX)
  bytes.set(publicKey, 2)
  return `did:key:${base58btc.encode(bytes)}`
}

/** The raw Ed25519 public key inside a `did:key` (a DID URL's fragment is ignored). */
export function publicKeyFromDidKey(did: string): Uint8Array {
  const id = did.split('#')[0]!
  if (!id.startsWith('did:key:z')) throw new InvalidDidError(`not an Ed25519 did:key: ${did}`)
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(id.slice('did:key:'.length))
  } catch (cause) {
    throw new InvalidDidError(`did:key is not valid base58btc: ${did} (${String(cause)})`)
  }
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw new InvalidDidError(`did:key does not hold an Ed25519 public key: ${did}`)
  }
  return bytes.subarray(2)
}

/** The verification method id of a did:key (`did:key:X#X`), as Multikey documents name it. */
export function verificationMethodOfDidKey(did: string): string {
  const id = did.split('#')[0]!
  return `${id}#${id.slice('did:key:'.length)}`
}

/** The libp2p PeerId of the same key as a did:key. */
export function peerIdFromDidKey(did: string): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKeyFromDidKey(did)))
}

/** The did:key of a peer whose PeerId embeds an Ed25519 key. */
export function didKeyFromPeerId(peerId: PeerId): string {
  if (peerId.type !== 'Ed25519' || peerId.publicKey === undefined) {
    throw new InvalidDidError(`peer ${peerId.toString()} has no Ed25519 key, so no did:key`)
  }
  return didKeyFromPublicKey(peerId.publicKey.raw)
}

/** The did:key of a peer, or undefined for a peer whose key a did:key cannot carry (it is never admitted). */
export function didKeyOfPeer(peerId: PeerId): string | undefined {
  return peerId.type === 'Ed25519' && peerId.publicKey !== undefined
    ? didKeyFromPublicKey(peerId.publicKey.raw)
    : undefined
}
