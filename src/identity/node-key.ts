import { createPrivateKey, createPublicKey, type KeyObject, sign as nodeSign } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { didKeyFromPublicKey, verificationMethodOfDidKey } from './did-key.js'
import { KeyFileError } from './errors.js'

/**
 * The node's one Ed25519 key and its three faces: libp2p PeerId, did:key, and signer of credentials
 * and audit entries (docs/architecture.md, "One key, three faces").
 */
export interface NodeKey {
  /** 32-byte Ed25519 seed (the private key proper). */
  readonly seed: Uint8Array
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  readonly privateKey: Ed25519PrivateKey
  readonly peerId: PeerId
  readonly did: string
  /** `did:key:X#X`, the verification method that signs. */
  readonly verificationMethod: string
  readonly keyObject: KeyObject
  readonly publicKeyObject: KeyObject
  /** Ed25519 signature with node:crypto (OpenSSL), ~35 µs. */
  sign(data: Uint8Array): Uint8Array
}

/** PKCS#8 DER of an Ed25519 key up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** The key of a 32-byte seed. */
export async function nodeKeyFromSeed(seed: Uint8Array): Promise<NodeKey> {
  if (seed.length !== 32) throw new KeyFileError(`an Ed25519 seed has 32 bytes, got ${seed.length}`)
  // The public key comes from OpenSSL: libp2p's derivation from a seed (noble's JavaScript) cost a node about
  // 80 ms of CPU at start, most of it building its tables for a single multiplication.
  const keyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const publicKeyObject = createPublicKey(keyObject)
  const publicKey = new Uint8Array(Buffer.from(publicKeyObject.export({ format: 'jwk' }).x!, 'base64url'))
  // 64 raw bytes (seed, then public key) are libp2p's Ed25519 private key
  const privateKey = privateKeyFromRaw(new Uint8Array([...seed, ...publicKey])) as Ed25519PrivateKey
  const did = didKeyFromPublicKey(publicKey)
  return {
    seed,
    publicKey,
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey),
    did,
    verificationMethod: verificationMethodOfDidKey(did),
    keyObject,
    publicKeyObject,
    sign: (data) => new Uint8Array(nodeSign(null, data, keyObject)),
  }
}

/** A fresh random key. */
export async function generateNodeKey(): Promise<NodeKey> {
  return nodeKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)))
}

/** Writes the key as PKCS#8 PEM, readable by the owner only (mode 0600). */
export async function writeNodeKey(path: string, key: NodeKey): Promise<void> {
  const pem = key.keyObject.export({ format: 'pem', type: 'pkcs8' })
  await writeFile(path, pem, { mode: 0o600 })
}

/** Reads a PKCS#8 PEM Ed25519 key written by {@link writeNodeKey} (or by `openssl genpkey -algorithm ed25519`). */
export async function loadNodeKey(path: string): Promise<NodeKey> {
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (cause) {
    throw new KeyFileError(`cannot read key file ${path}: ${(cause as Error).message}`, { cause })
  }
  let jwk: { crv?: string; d?: string }
  try {
    jwk = createPrivateKey(pem).export({ format: 'jwk' }) as { crv?: string; d?: string }
  } catch (cause) {
    throw new KeyFileError(`key file ${path} is not a PEM private key`, { cause })
  }
  if (jwk.crv !== 'Ed25519' || jwk.d === undefined) {
    throw new KeyFileError(`key file ${path} holds a ${jwk.crv ?? 'non-OKP'} key; Allmende needs Ed25519`)
  }
  return nodeKeyFromSeed(new Uint8Array(Buffer.from(jwk.d, 'base64url')))
}
