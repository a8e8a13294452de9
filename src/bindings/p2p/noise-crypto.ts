import crypto, { type KeyObject } from 'node:crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'

/** DER before a raw X25519 private key: PKCS#8 with the X25519 OID (RFC 8410). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
/** DER before a raw X25519 public key: SubjectPublicKeyInfo with the X25519 OID (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

/** A raw X25519 key as Noise hands it over: one buffer or a list of them. */
type RawKey = Parameters<ICryptoInterface['generateX25519SharedKey']>[1]

/** Key objects by the raw key Noise holds: a key it generated, or one it already used in a handshake. */
const privateKeys = new WeakMap<object, KeyObject>()
const publicKeys = new WeakMap<object, KeyObject>()

/**
 * @chainsafe/libp2p-noise's own Node crypto, except that a Diffie-Hellman does not import both keys again. The
 * library turns the raw keys into key objects for every one of the three DH of a handshake, and importing a
 * private key from PKCS#8 costs ten times the DH itself (Node 20, one core: 354 µs against 33 µs; a public
 * key 77 µs): a DH cost 474 µs. Here a key pair keeps the private key object it was generated as, and the
 * peer's ephemeral key, used in two DH, is imported once: 3 DH of a handshake side cost about 250 µs instead
 * of 1.4 ms. A whole connection set-up between two processes (TCP, Noise, yamux, close; bench/connection-setup.ts)
 * cost the dialler 7.4 ms of CPU instead of 8.6 (ratio 0.86), the listener 6.6 instead of 7.2 (0.91). Keys,
 * hashes and ciphers are the library's, so the bytes on the wire are the same.
 */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  generateX25519KeyPair() {
    const pair = crypto.generateKeyPairSync('x25519')
    return kept(pair.privateKey, pair.publicKey)
  },
  generateX25519KeyPairFromSeed(seed) {
    const privateKey = importKey(PKCS8_PREFIX, seed, 'pkcs8')
    return kept(privateKey, crypto.createPublicKey(privateKey))
  },
  generateX25519SharedKey(privateKey, publicKey) {
    return crypto.diffieHellman({
      privateKey: keyObject(privateKeys, privateKey, () => importKey(PKCS8_PREFIX, privateKey, 'pkcs8')),
      publicKey: keyObject(publicKeys, publicKey, () => importKey(SPKI_PREFIX, publicKey, 'spki')),
    })
  },
}

/** The raw key pair Noise works with, its private half remembered with its key object. */
function kept(
  privateKey: KeyObject,
  publicKey: KeyObject,
): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const raw = {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(PKCS8_PREFIX.length),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.length),
  }
  privateKeys.set(raw.privateKey, privateKey)
  return raw
}

function keyObject(known: WeakMap<object, KeyObject>, raw: RawKey, load: () => KeyObject): KeyObject {
  let key = known.get(raw)
  if (key === undefined) {
    key = load()
    known.set(raw, key)
  }
  return key
}

function importKey(prefix: Uint8Array, raw: RawKey, type: 'pkcs8' | 'spki'): KeyObject {
  const der = Buffer.alloc(prefix.length + raw.length)
  der.set(prefix)
  der.set(raw.subarray(), prefix.length)
  return type === 'pkcs8'
    ? crypto.createPrivateKey({ key: der, format: 'der', type })
    : crypto.createPublicKey({ key: der, format: 'der', type })
}
