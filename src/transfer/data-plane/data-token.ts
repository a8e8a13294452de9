import { type AccessTokenClaims, TokenError, TokenVerifier } from '../../credentials/index.js'
import type { DataCaller, DataRequest } from './data-plane.js'
import { DataAccessDeniedError } from './errors.js'

/** The claims of an access token that opened a data request, bound to its transfer process. */
export type DataClaims = AccessTokenClaims & { readonly transferProcessId: string }

/**
 * Checks the access token of a data request with the provider's public key alone: its own token
 * (issuer and audience are the provider's DID), unspent, for a transfer process and the agreement
 * the request names; over libp2p the admitted peer must be its subject, over HTTP the path must
 * name its transfer. The provider's gate and a data-plane worker check alike; a refusal is a
 * {@link DataAccessDeniedError} `TOKEN_INVALID`, and `refused` hears its reason (it is counted,
 * not audited: an unauthenticated sender must not write the audit log).
 */
export class DataTokens {
  private readonly tokens: TokenVerifier

  constructor(
    provider: string,
    clock: () => Date,
    private readonly refused: (reason: string) => void,
  ) {
    this.tokens = new TokenVerifier({ audience: provider, issuer: provider, clock: () => clock().getTime() })
  }

  async authenticate(request: DataRequest, from: DataCaller): Promise<DataClaims> {
    const refuse = (reason: string, message: string): never => {
      this.refused(reason)
      throw new DataAccessDeniedError('TOKEN_INVALID', message)
    }
    let claims: AccessTokenClaims
    try {
      claims = await this.tokens.verifyAccessToken(request.token)
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : 'malformed'
      return refuse(reason, `the access token is not accepted: ${(error as Error).message}`)
    }
    const transferId = claims.transferProcessId
    if (transferId === undefined) return refuse('claim', 'the access token names no transfer process')
    if ('peer' in from && claims.sub !== from.peer) {
      return refuse('subject', 'the access token was issued to another party than the peer presenting it')
    }
    if ('bearerFor' in from && from.bearerFor !== transferId) {
      return refuse('transfer', `the access token is for another transfer than ${from.bearerFor}`)
    }
    if (claims.agreementId !== request.agreementId) {
      return refuse('agreement', 'the access token is for another agreement')
    }
    return { ...claims, transferProcessId: transferId }
  }
}
