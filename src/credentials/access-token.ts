import { type KeyObject, randomUUID, sign, verify } from 'node:crypto'
import type { JWTHeader } from 'did-jwt'
import { type DidResolver, didKeyFromPublicKey } from '../identity/index.js'
import { loadOnce } from '../util/load-once.js'
import { defaultResolver } from './document-loader.js'
import { TokenError } from './errors.js'
import { ReplayCache } from './replay-cache.js'
import { privateKeyOf, publicKeyOfMultibase, type SigningKey } from './signing.js'
import type { JsonLdObject } from './verification.js'

/** Longest lifetime of an access token: 10 minutes. */
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 600
/** Longest lifetime of a self-issued ID token: 5 minutes. */
export const MAX_ID_TOKEN_LIFETIME_SECONDS = 300
// `typ` keeps the two kinds apart, so an ID token is never accepted as an access token (RFC 9068 §2.1).
const ACCESS_TOKEN_TYPE = 'at+jwt'
const ID_TOKEN_TYPE = 'JWT'

/** Claims of a transfer access token: provider (`iss`) lets consumer (`sub`) fetch under an agreement. */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  /** The agreement the transfer runs under (DSP `agreementId`). */
  agreementId: string
  /** The transfer process, when the token is bound to one. */
  transferProcessId?: string
  iat: number
  exp: number
  nbf?: number
  jti: string
}

/** Claims of a self-issued ID token (DSP HTTP binding): the caller identifies itself to the callee. */
export interface IdTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  iat: number
  exp: number
  jti: string
  /** A verifiable presentation (e.g. of membership); verify it separately with `verifyPresentation`. */
  vp?: JsonLdObject
}

/** did-jwt (with the curves of every JWT algorithm it knows), loaded on the first token a node issues. */
const loadDidJwt = loadOnce(() => import('did-jwt'))

async function signJwt(key: SigningKey, payload: Record<string, unknown>, typ: string): Promise<string> {
  const privateKey = privateKeyOf(key)
  // did-jwt builds the JWS; node:crypto (OpenSSL) signs, ~10x faster than did-jwt's pure-JS EdDSASigner.
  const signer = async (data: string | Uint8Array) =>
    sign(null, typeof data === 'string' ? Buffer.from(data) : data, privateKey).toString('base64url')
  // did-jwt types `typ` as 'JWT' only; RFC 9068 access tokens say 'at+jwt'.
  const header = { alg: 'EdDSA', kid: key.verificationMethod, typ } as unknown as Partial<JWTHeader>
  const { createJWT } = await loadDidJwt()
  return createJWT(payload, { issuer: key.did, signer }, header)
}

function lifetimeOf(requested: number | undefined, max: number, kind: string): number {
  const lifetime = requested ?? max / 2
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > max) {
    throw new TokenError('lifetime', `an ${kind} lives 1 to ${max} seconds, not ${String(requested)}`)
  }
  return lifetime
}

/**
 * Issues a short-lived access token (EdDSA JWT): the provider's key lets `subject` (consumer DID) fetch from
 * `audience` (the data plane) under `agreementId`. Lifetime default 5 min, at most 10 min.
 */
export async function issueAccessToken(
  key: SigningKey,
  claims: {
    subject: string
    audience: string
    agreementId: string
    transferProcessId?: string
    lifetimeSeconds?: number
    jti?: string
    now?: Date
  },
): Promise<string> {
  const lifetime = lifetimeOf(claims.lifetimeSeconds, MAX_ACCESS_TOKEN_LIFETIME_SECONDS, 'access token')
  const iat = Math.floor((claims.now ?? new Date()).getTime() / 1000)
  return signJwt(
    key,
    {
      sub: claims.subject,
      aud: claims.audience,
      agreementId: claims.agreementId,
      ...(claims.transferProcessId === undefined ? {} : { transferProcessId: claims.transferProcessId }),
      iat,
      exp: iat + lifetime,
      jti: claims.jti ?? randomUUID(),
    },
    ACCESS_TOKEN_TYPE,
  )
}

/**
 * Issues a self-issued ID token for the DSP HTTP binding: `iss` = `sub` = the caller's DID, `aud` = the
 * callee's DID, lifetime default 5 min (the maximum), optionally carrying a presentation in `vp`.
 */
export async function issueIdToken(
  key: SigningKey,
  claims: { audience: string; lifetimeSeconds?: number; vp?: JsonLdObject; jti?: string; now?: Date },
): Promise<string> {
  const lifetime = claims.lifetimeSeconds ?? MAX_ID_TOKEN_LIFETIME_SECONDS
  lifetimeOf(lifetime, MAX_ID_TOKEN_LIFETIME_SECONDS, 'ID token')
  const iat = Math.floor((claims.now ?? new Date()).getTime() / 1000)
  return signJwt(
    key,
    {
      sub: key.did,
      aud: claims.audience,
      iat,
      exp: iat + lifetime,
      jti: claims.jti ?? randomUUID(),
      ...(claims.vp === undefined ? {} : { vp: claims.vp }),
    },
    ID_TOKEN_TYPE,
  )
}

/**
 * Verifies access tokens and ID tokens addressed to one audience, with node:crypto (the did:key is decoded
 * here, did:web keys come from the resolver's cache) and a replay cache: a `jti` is accepted once within the
 * token's lifetime (a {@link ReplayCache}, evicting by expiry). When full of live entries it refuses (fails closed).
 *
 * @example
 * ```ts
 * const tokens = new TokenVerifier({ audience: nodeKey.did })
 * const claims = await tokens.verifyAccessToken(request.headers.authorization.slice(7))
 * ```
 */
export class TokenVerifier {
  private readonly audience: string
  private readonly resolver: DidResolver
  private readonly clock: () => number
  private readonly skewSeconds: number
  private readonly issuer: string | undefined
  private readonly seen: ReplayCache

  constructor(init: {
    /** This verifier's identity as token audience (its DID or data plane URL). */
    audience: string
    /**
     * The only issuer whose access tokens are accepted: a provider takes only its own. Without it
     * any issuer's key is checked (for ID tokens, which every caller issues itself).
     */
    issuer?: string
    resolver?: DidResolver
    /** Milliseconds since the epoch; default `Date.now`. */
    clock?: () => number
    /** Clock skew tolerated on exp/nbf/iat, seconds; default 30. */
    clockSkewSeconds?: number
    /** Remembered `jti`s at most; default 100,000. */
    maxReplayEntries?: number
  }) {
    this.audience = init.audience
    this.resolver = init.resolver ?? defaultResolver()
    this.clock = init.clock ?? Date.now
    this.skewSeconds = init.clockSkewSeconds ?? 30
    this.seen = new ReplayCache(init.maxReplayEntries ?? 100_000)
    this.issuer = init.issuer
  }

  /** Verifies an access token; throws {@link TokenError} naming the reason. Each `jti` passes once. */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const claims = await this.verifyJwt(
      token,
      ACCESS_TOKEN_TYPE,
      MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
      this.issuer,
    )
    if (typeof claims.sub !== 'string' || !claims.sub.startsWith('did:')) {
      throw new TokenError('subject', 'the access token names no consumer DID in "sub"')
    }
    if (typeof claims.agreementId !== 'string' || claims.agreementId.length === 0) {
      throw new TokenError('claim', 'the access token names no agreement ("agreementId")')
    }
    if (claims.transferProcessId !== undefined && typeof claims.transferProcessId !== 'string') {
      throw new TokenError('claim', '"transferProcessId" must be a string')
    }
    this.remember(claims)
    return claims as unknown as AccessTokenClaims
  }

  /** Verifies a self-issued ID token (`iss` = `sub`); the `vp` inside is returned unverified. */
  async verifyIdToken(token: string): Promise<IdTokenClaims> {
    const claims = await this.verifyJwt(token, ID_TOKEN_TYPE, MAX_ID_TOKEN_LIFETIME_SECONDS)
    if (claims.sub !== claims.iss)
      throw new TokenError('subject', 'a self-issued ID token needs "sub" equal to "iss"')
    if (claims.vp !== undefined && (claims.vp === null || typeof claims.vp !== 'object')) {
      throw new TokenError('claim', '"vp" must be a presentation object')
    }
    this.remember(claims)
    return claims as unknown as IdTokenClaims
  }

  private async verifyJwt(
    token: string,
    typ: string,
    maxLifetime: number,
    issuer?: string,
  ): Promise<Record<string, unknown>> {
    if (typeof token !== 'string') throw new TokenError('malformed', 'a token must be a string')
    const parts = token.split('.')
    if (parts.length !== 3) throw new TokenError('malformed', 'a JWT has three dot-separated parts')
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string]
    const header = parseJsonPart(encodedHeader, 'header')
    if (header.alg !== 'EdDSA')
      throw new TokenError('algorithm', `only EdDSA tokens are accepted, not ${String(header.alg)}`)
    if (header.typ !== typ)
      throw new TokenError('malformed', `expected a token of type ${typ}, got ${String(header.typ)}`)
    if (header.crit !== undefined)
      throw new TokenError('malformed', 'no critical header extensions are supported')
    const claims = parseJsonPart(encodedPayload, 'payload')
    // Before any key is looked up: a token of another issuer costs no signature check.
    if (issuer !== undefined && claims.iss !== issuer) {
      throw new TokenError(
        'issuer',
        `the token was not issued by this provider (${issuer}) but by ${JSON.stringify(claims.iss ?? null)}`,
      )
    }
    const kid = header.kid
    if (typeof kid !== 'string' || !kid.startsWith('did:') || !kid.includes('#')) {
      throw new TokenError('malformed', 'the token header names no DID verification method in "kid"')
    }
    if (typeof claims.iss !== 'string' || kid.slice(0, kid.indexOf('#')) !== claims.iss) {
      throw new TokenError(
        'issuer',
        `the token is signed by ${kid}, which is not a key of its issuer ${String(claims.iss)}`,
      )
    }
    const signature = Buffer.from(encodedSignature, 'base64url')
    const publicKey = await this.publicKeyOf(kid)
    if (
      signature.length !== 64 ||
      !verify(null, Buffer.from(`${encodedHeader}.${encodedPayload}`), publicKey, signature)
    ) {
      throw new TokenError('signature', 'the token signature does not verify')
    }
    const now = Math.floor(this.clock() / 1000)
    const { exp, iat, nbf } = claims
    if (typeof exp !== 'number' || typeof iat !== 'number')
      throw new TokenError('malformed', 'the token needs "iat" and "exp"')
    if (exp - iat > maxLifetime) {
      throw new TokenError(
        'lifetime',
        `the token lives ${exp - iat} s, longer than the ${maxLifetime} s allowed`,
      )
    }
    if (now > exp + this.skewSeconds)
      throw new TokenError('expired', `the token expired at ${new Date(exp * 1000).toISOString()}`)
    if (iat > now + this.skewSeconds || (typeof nbf === 'number' && nbf > now + this.skewSeconds)) {
      throw new TokenError('not-yet-valid', 'the token is not valid yet')
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!audiences.includes(this.audience)) {
      throw new TokenError(
        'audience',
        `the token is for ${JSON.stringify(claims.aud)}, not for ${this.audience}`,
      )
    }
    if (typeof claims.jti !== 'string' || claims.jti.length === 0)
      throw new TokenError('malformed', 'the token has no "jti"')
    return claims
  }

  // Check and record in one synchronous step, so concurrent verifications of one token cannot both pass.
  private remember(claims: Record<string, unknown>): void {
    const now = Math.floor(this.clock() / 1000)
    const expires = (claims.exp as number) + this.skewSeconds
    this.seen.use(`${String(claims.iss)} ${String(claims.jti)}`, expires, now, String(claims.jti))
  }

  private async publicKeyOf(kid: string): Promise<KeyObject> {
    try {
      if (!kid.startsWith('did:key:'))
        return publicKeyOfMultibase(multibaseOf(await this.resolver.resolvePublicKey(kid)))
      const [did, fragment] = kid.split('#') as [string, string]
      const multibase = did.slice('did:key:'.length)
      if (fragment !== multibase) throw new Error(`${kid} is not the key of ${did}`)
      return publicKeyOfMultibase(multibase)
    } catch (cause) {
      throw new TokenError(
        'unresolvable-did',
        `cannot resolve the token key ${kid}: ${(cause as Error).message}`,
        { cause },
      )
    }
  }
}

function multibaseOf(publicKey: Uint8Array): string {
  return didKeyFromPublicKey(publicKey).slice('did:key:'.length)
}

function parseJsonPart(part: string, name: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new TokenError('malformed', `the token ${name} is not base64url JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError('malformed', `the token ${name} is not a JSON object`)
  }
  return value as Record<string, unknown>
}
