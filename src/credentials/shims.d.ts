// Ambient types for the Digital Bazaar JSON-LD stack, which ships no .d.ts. Only what Allmende calls is
// declared; values are kept loose (`JsonLdObject`) because the libraries accept any JSON-LD document.
// This file must stay a global declaration file: no top-level import or export.

type ShimJsonLdObject = Record<string, unknown>

interface ShimRemoteDocument {
  contextUrl: string | null
  documentUrl: string
  document: unknown
}

type ShimDocumentLoader = (url: string) => Promise<ShimRemoteDocument>

interface ShimSigner {
  readonly id: string
  readonly algorithm: string
  sign(input: { data: Uint8Array }): Promise<Uint8Array>
}

interface ShimProofPurpose {
  readonly term: string
}

interface ShimProofResult {
  proof: ShimJsonLdObject
  verified: boolean
  verificationMethod?: ShimJsonLdObject
  purposeResult?: { valid: boolean; error?: Error; controller?: ShimJsonLdObject }
  error?: Error
}

interface ShimVerifyResult {
  verified: boolean
  results?: ShimProofResult[]
  error?: Error | Error[]
}

declare module '@digitalbazaar/vc' {
  export function issue(options: {
    credential: ShimJsonLdObject
    suite: unknown
    purpose?: ShimProofPurpose
    documentLoader: ShimDocumentLoader
    now?: Date | string
  }): Promise<ShimJsonLdObject>
  export function verifyCredential(options: {
    credential: ShimJsonLdObject
    suite: unknown
    documentLoader: ShimDocumentLoader
    purpose?: ShimProofPurpose
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>
    now?: Date | string
    maxClockSkew?: number
  }): Promise<ShimVerifyResult>
  export function createPresentation(options: {
    verifiableCredential?: ShimJsonLdObject | ShimJsonLdObject[]
    id?: string
    holder?: string
    now?: Date | string
  }): ShimJsonLdObject
  export function signPresentation(options: {
    presentation: ShimJsonLdObject
    suite: unknown
    challenge: string
    domain?: string
    documentLoader: ShimDocumentLoader
  }): Promise<ShimJsonLdObject>
  export function _checkCredential(options: {
    credential: ShimJsonLdObject
    now?: Date | string
    mode?: 'issue' | 'verify'
    maxClockSkew?: number
  }): void
  export class CredentialIssuancePurpose implements ShimProofPurpose {
    constructor(options?: { controller?: ShimJsonLdObject; date?: Date; maxTimestampDelta?: number })
    readonly term: string
  }
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: ShimSigner; date?: Date | string; cryptosuite: unknown })
    readonly verificationMethod?: string
  }
}

interface ShimVerifier {
  readonly id?: string
  readonly algorithm: string
  verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: {
    readonly name: string
    readonly requiredAlgorithm: string
    canonize(input: unknown, options: unknown): Promise<string>
    createVerifier(options: { verificationMethod: ShimJsonLdObject }): Promise<ShimVerifier>
  }
}

declare module '@digitalbazaar/ed25519-multikey' {
  interface Ed25519MultikeyKeyPair {
    id?: string
    controller?: string
    publicKeyMultibase: string
    export(options: { publicKey?: boolean; includeContext?: boolean }): Promise<ShimJsonLdObject>
  }
  export function from(key: ShimJsonLdObject): Promise<Ed25519MultikeyKeyPair>
}

declare module '@digitalbazaar/did-method-key' {
  interface DidKeyDriver {
    use(options: {
      multibaseMultikeyHeader: string
      fromMultibase: (key: ShimJsonLdObject) => Promise<unknown>
    }): void
    get(options: { did?: string; url?: string }): Promise<ShimJsonLdObject>
  }
  export function driver(): DidKeyDriver
}

declare module '@digitalbazaar/vc-bitstring-status-list' {
  export class BitstringStatusList {
    readonly length: number
    setStatus(index: number, status: boolean): void
    getStatus(index: number): boolean
    encode(): Promise<string>
  }
  export function createList(options: { length: number }): Promise<BitstringStatusList>
  export function decodeList(options: { encodedList: string }): Promise<BitstringStatusList>
  export function createCredential(options: {
    id: string
    list: BitstringStatusList
    statusPurpose: string
  }): Promise<ShimJsonLdObject>
}

declare module 'jsonld-signatures' {
  class AssertionProofPurpose implements ShimProofPurpose {
    constructor(options?: { controller?: ShimJsonLdObject; date?: Date })
    readonly term: string
  }
  class AuthenticationProofPurpose implements ShimProofPurpose {
    constructor(options: { challenge: string; domain?: string; controller?: ShimJsonLdObject })
    readonly term: string
  }
  const jsigs: {
    sign(
      document: ShimJsonLdObject,
      options: { suite: unknown; purpose: ShimProofPurpose; documentLoader: ShimDocumentLoader },
    ): Promise<ShimJsonLdObject>
    verify(
      document: ShimJsonLdObject,
      options: { suite: unknown; purpose: ShimProofPurpose; documentLoader: ShimDocumentLoader },
    ): Promise<ShimVerifyResult>
    purposes: {
      AssertionProofPurpose: typeof AssertionProofPurpose
      AuthenticationProofPurpose: typeof AuthenticationProofPurpose
    }
  }
  export default jsigs
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, unknown>
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, unknown>
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, unknown>
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, unknown>
}
declare module '@digitalbazaar/odrl-context' {
  export const contexts: Map<string, unknown>
}
declare module 'did-context' {
  export const contexts: Map<string, unknown>
}
declare module 'x25519-key-agreement-2020-context' {
  export const contexts: Map<string, unknown>
}
