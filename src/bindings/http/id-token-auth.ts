import { createHash } from 'node:crypto'
import {
  type IdTokenClaims,
  issueIdToken,
  type JsonLdObject,
  type SigningKey,
  TokenError,
  TokenVerifier,
} from '../../credentials/index.js'
import type { DidResolver } from '../../identity/index.js'
import { NotAuthenticatedError } from '../../protocol/index.js'

/** Who called a DSP HTTP endpoint: the DID its ID token proved, and whether it showed membership. */
export interface DspHttpCaller {
  readonly did: string
  /** The token carried a valid membership presentation of this node's data space (now or recently). */
  readonly isMember: boolean
}

/** Decides a membership presentation a caller showed in its token's `vp` claim. */
export type MembershipPresentationCheck = (
  presentation: JsonLdObject,
  holder: string,
) => Promise<
  { readonly member: true; readonly validUntil?: Date } | { readonly member: false; readonly reason: string }
>

/**
 * Members that showed a valid membership presentation over DSP HTTP. A verdict is kept for half the
 * membership refresh period (per presentation, so the same presentation is not verified again on
 * every request, and per DID, so the provider's later decision on a request still knows the caller
 * is a member). The status lists a verdict reads must be trusted no longer than
 * {@link HttpMembership.statusListTtlMs}, the other half: a revocation then takes effect within one
 * refresh period (list age + verdict age), the bound the README promises for libp2p too.
 */
export class HttpMembership {
  private readonly verdicts = new Map<string, number>()
  private readonly members = new Map<string, number>()
  private readonly verdictTtlMs: number

  constructor(
    private readonly init: {
      readonly check: MembershipPresentationCheck
      /** The membership refresh period, seconds: revocation takes effect within it. Default 60. */
      readonly refreshSeconds?: number
      readonly clock?: () => number
    },
  ) {
    this.verdictTtlMs = ((init.refreshSeconds ?? 60) * 1000) / 2
  }

  /** How long the status lists behind a verdict may be cached: the other half of the period. */
  get statusListTtlMs(): number {
    return this.verdictTtlMs
  }

  /**
   * Checks a presentation shown by `did`. One that fails does not make the caller a member (it is
   * still authenticated by its token and may see and agree to public offers); the reason is returned.
   */
  async present(did: string, presentation: JsonLdObject): Promise<{ member: boolean; reason?: string }> {
    const now = this.now()
    const key = `${did} ${createHash('sha256').update(JSON.stringify(presentation)).digest('base64url')}`
    const until = this.verdicts.get(key)
    if (until !== undefined && until > now) {
      this.members.set(did, Math.max(this.members.get(did) ?? 0, until))
      return { member: true }
    }
    const verdict = await this.init.check(presentation, did)
    if (!verdict.member) {
      this.verdicts.delete(key)
      return { member: false, reason: verdict.reason }
    }
    const ttlUntil = now + this.verdictTtlMs
    const expires = Math.min(ttlUntil, verdict.validUntil?.getTime() ?? ttlUntil)
    this.prune(now)
    this.verdicts.set(key, expires)
    this.members.set(did, Math.max(this.members.get(did) ?? 0, expires))
    return { member: true }
  }

  /** Whether `did` showed a valid membership presentation within the last half refresh period. */
  isMember(did: string): boolean {
    return (this.members.get(did) ?? 0) > this.now()
  }

  private prune(now: number): void {
    for (const [key, until] of this.verdicts) if (until <= now) this.verdicts.delete(key)
    for (const [did, until] of this.members) if (until <= now) this.members.delete(did)
  }

  private now(): number {
    return (this.init.clock ?? Date.now)()
  }
}

/**
 * Authenticates DSP HTTP requests by their `Authorization: Bearer <ID token>`: a self-issued EdDSA
 * JWT of the caller (iss = sub = its DID) for this connector's DID, at most 5 minutes long, each
 * `jti` once. Catalog requests may instead name this connector's DSP base URL as audience: a
 * consumer that knows only the URL learns the DID from the catalog's `participantId`.
 * Every failure is a {@link NotAuthenticatedError} (401), never a server error.
 */
export class IdTokenAuthenticator {
  private readonly byDid: TokenVerifier
  private byUrl?: { url: string; verifier: TokenVerifier }

  constructor(
    private readonly init: {
      /** This connector's DID: the audience of ID tokens. */
      readonly did: string
      /** This connector's DSP base URL once it listens: the audience a catalog request may use. */
      readonly baseUrl: () => string | undefined
      readonly membership?: HttpMembership
      readonly resolver?: DidResolver
      readonly clock?: () => number
    },
  ) {
    this.byDid = this.verifier(init.did)
  }

  /** The caller of a request with this `Authorization` header. */
  async authenticate(
    authorization: string | undefined,
    options: { allowUrlAudience?: boolean } = {},
  ): Promise<DspHttpCaller> {
    const token = bearerToken(authorization)
    let claims: IdTokenClaims
    try {
      claims = await this.byDid.verifyIdToken(token)
    } catch (error) {
      const urlVerifier = options.allowUrlAudience === true ? this.urlVerifier() : undefined
      if (!(error instanceof TokenError) || error.reason !== 'audience' || urlVerifier === undefined) {
        throw refused(error)
      }
      claims = await urlVerifier.verifyIdToken(token).catch((second: unknown) => {
        throw refused(second)
      })
    }
    const did = claims.iss
    if (claims.vp !== undefined) await this.init.membership?.present(did, claims.vp)
    return { did, isMember: this.init.membership?.isMember(did) ?? false }
  }

  private urlVerifier(): TokenVerifier | undefined {
    const url = this.init.baseUrl()
    if (url === undefined) return undefined
    if (this.byUrl?.url !== url) this.byUrl = { url, verifier: this.verifier(url) }
    return this.byUrl.verifier
  }

  private verifier(audience: string): TokenVerifier {
    return new TokenVerifier({
      audience,
      ...(this.init.resolver === undefined ? {} : { resolver: this.init.resolver }),
      ...(this.init.clock === undefined ? {} : { clock: this.init.clock }),
    })
  }
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') {
    throw new NotAuthenticatedError(
      'the request has no Authorization header; send "Authorization: Bearer <self-issued ID token>"',
    )
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  if (match === null)
    throw new NotAuthenticatedError('the Authorization header must be "Bearer <self-issued ID token>"')
  return match[1] as string
}

function refused(error: unknown): NotAuthenticatedError {
  if (error instanceof NotAuthenticatedError) return error
  const detail = error instanceof TokenError ? error.message : 'the token could not be checked'
  return new NotAuthenticatedError(`the ID token was refused: ${detail}`)
}

/**
 * Issues the ID tokens this connector sends to DSP HTTP peers: one per request (fresh `jti`),
 * short-lived, with this node's membership presentation in `vp` when it has one. Presentations
 * are cached per audience, so one is signed per peer and period, not per message.
 */
export class IdTokenIssuer {
  private readonly presentations = new Map<string, { until: number; vp: Promise<JsonLdObject | undefined> }>()

  constructor(
    private readonly init: {
      readonly key: SigningKey
      /** This node's membership presentation for an audience (challenge = the audience), if any. */
      readonly presentation?: (audience: string) => Promise<JsonLdObject | undefined>
      /** Token lifetime, seconds; default 120 (at most 300). */
      readonly lifetimeSeconds?: number
      /** How long a presentation is reused for one audience; default 4 minutes. */
      readonly presentationTtlMs?: number
      readonly clock?: () => number
    },
  ) {}

  /** A fresh ID token for `audience` (the peer's DID, or its DSP base URL before the DID is known). */
  async token(audience: string): Promise<string> {
    const vp = await this.presentationFor(audience)
    const now = (this.init.clock ?? Date.now)()
    return issueIdToken(this.init.key, {
      audience,
      lifetimeSeconds: this.init.lifetimeSeconds ?? 120,
      now: new Date(now),
      ...(vp === undefined ? {} : { vp }),
    })
  }

  private presentationFor(audience: string): Promise<JsonLdObject | undefined> {
    const present = this.init.presentation
    if (present === undefined || !audience.startsWith('did:')) return Promise.resolve(undefined)
    const now = (this.init.clock ?? Date.now)()
    const cached = this.presentations.get(audience)
    if (cached !== undefined && cached.until > now) return cached.vp
    const vp = present(audience).catch(() => undefined)
    const entry = { until: now + (this.init.presentationTtlMs ?? 240_000), vp }
    this.presentations.set(audience, entry)
    // Nothing to show yet (no credential): ask again next time rather than after the whole period.
    void vp.then((shown) => {
      if (shown === undefined && this.presentations.get(audience) === entry)
        this.presentations.delete(audience)
    })
    return vp
  }
}
