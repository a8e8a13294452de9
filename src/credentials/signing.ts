import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import type { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { publicKeyFromDidKey } from '../identity/index.js'
import { loadOnce } from '../util/load-once.js'
import { canonize } from './canonical-forms.js'
import { loadVcLibraries } from './vc-libraries.js'

/**
 * What signs a credential or presentation: a 32-byte Ed25519 seed and the DID and verification method it
 * signs as. A {@link NodeKey} is one (did:key); so is a did:web identity of the same key (`didWebIdentity`).
 */
export interface SigningKey {
  readonly seed: Uint8Array
  readonly did: string
  readonly verificationMethod: string
}

interface Signer {
  readonly id: string
  readonly algorithm: string
  sign(input: { data: Uint8Array }): Promise<Uint8Array>
}

const DER_PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const KEY_CACHE_LIMIT = 4096
const privateKeys = new Map<string, KeyObject>()
const publicKeys = new Map<string, KeyObject>()
const signers = new Map<string, Signer>()

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= KEY_CACHE_LIMIT) map.delete(map.keys().next().value!)
  map.set(key, value)
  return value
}

/** The node:crypto private key of a seed, imported once (OpenSSL signs in ~35 µs with a ready key). */
export function privateKeyOf(key: { readonly seed: Uint8Array }): KeyObject {
  const cacheKey = Buffer.from(key.seed).toString('base64')
  return (
    privateKeys.get(cacheKey) ??
    remember(
      privateKeys,
      cacheKey,
      createPrivateKey({
        key: Buffer.concat([DER_PKCS8_ED25519_PREFIX, key.seed]),
        format: 'der',
        type: 'pkcs8',
      }),
    )
  )
}

/** The node:crypto public key of a Multikey `z6Mk…` value, imported once. */
export function publicKeyOfMultibase(publicKeyMultibase: string): KeyObject {
  const cached = publicKeys.get(publicKeyMultibase)
  if (cached !== undefined) return cached
  const raw = publicKeyFromDidKey(`did:key:${publicKeyMultibase}`)
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  })
  return remember(publicKeys, publicKeyMultibase, key)
}

// What the Data Integrity suite asks of a signer: its verification method, the algorithm and the signature, made
// with the cached KeyObject. (Ed25519Multikey.generate derived the public key in JavaScript, about 3 ms per
// key, only to name the signer; it also imports the key anew on every signature.)
function signerOf(key: SigningKey): Signer {
  const cacheKey = `${key.verificationMethod} ${Buffer.from(key.seed).toString('base64')}`
  const cached = signers.get(cacheKey)
  if (cached !== undefined) return cached
  const privateKey = privateKeyOf(key)
  return remember(signers, cacheKey, {
    id: key.verificationMethod,
    algorithm: 'Ed25519',
    sign: async ({ data }) => new Uint8Array(sign(null, data, privateKey)),
  })
}

type Cryptosuite = Awaited<ReturnType<typeof loadVcLibraries>>['eddsaRdfc2022']

// eddsa-rdfc-2022 with remembered canonical forms (canonical-forms.ts) and a verifier over cached
// node:crypto keys for Ed25519 Multikeys; other key representations go through the suite's own verifier.
const cryptosuite = loadOnce(async (): Promise<Cryptosuite> => {
  const { eddsaRdfc2022 } = await loadVcLibraries()
  return {
    ...eddsaRdfc2022,
    canonize: (input, options) => canonize(input, options as Parameters<typeof canonize>[1]),
    async createVerifier({ verificationMethod }) {
      const { type, publicKeyMultibase, id } = verificationMethod
      if (
        type !== 'Multikey' ||
        typeof publicKeyMultibase !== 'string' ||
        !publicKeyMultibase.startsWith('z6Mk')
      ) {
        return eddsaRdfc2022.createVerifier({ verificationMethod })
      }
      const publicKey = publicKeyOfMultibase(publicKeyMultibase)
      return {
        id: String(id),
        algorithm: 'Ed25519',
        verify: async ({ data, signature }) => verify(null, data, publicKey, signature),
      }
    },
  }
})

/** A Data Integrity `eddsa-rdfc-2022` suite that signs as `key`, stamping `created` with `date`. */
export async function signingSuite(key: SigningKey, date: Date): Promise<DataIntegrityProof> {
  const [{ DataIntegrityProof }, suite] = await Promise.all([loadVcLibraries(), cryptosuite()])
  return new DataIntegrityProof({ signer: signerOf(key), date, cryptosuite: suite })
}

/** The verifying `eddsa-rdfc-2022` suite; keys come through the document loader. */
export const verifyingSuite = loadOnce(async () => {
  const [{ DataIntegrityProof }, suite] = await Promise.all([loadVcLibraries(), cryptosuite()])
  return new DataIntegrityProof({ cryptosuite: suite })
})

/** The DID that controls a verification method URL (`did:…#frag` -> `did:…`). */
export function didOfVerificationMethod(url: string): string {
  const hash = url.indexOf('#')
  return hash < 0 ? url : url.slice(0, hash)
}
