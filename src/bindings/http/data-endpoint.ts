import { Readable } from 'node:stream'
import type { Context } from 'koa'
import type { Logger } from '../../log/index.js'
import { AllmendeError, InvalidInputError, NotAuthenticatedError } from '../../protocol/index.js'

/** What a permitted pull hands the HTTP data plane: the content from `offset` on. */
export interface HttpDataGrant {
  readonly mediaType: string
  readonly size?: number
  readonly offset: number
  /** The content in batches of chunks, as the source is read ahead of the network. */
  readonly content: AsyncIterable<readonly Uint8Array[]>
  /** The stream ended without a receipt (an HTTP consumer signs none); safe to call twice. */
  release(): void
}

/**
 * The provider's gate of its data plane, shared with the libp2p data plane (the transfer service):
 * checks the access token, the transfer and the agreement's usage policy, writes the decision to
 * the audit log, and opens the source.
 */
export interface HttpDataSource {
  openData(
    request: {
      readonly type: 'request'
      readonly token: string
      readonly agreementId: string
      readonly offset?: number
    },
    caller: string,
  ): Promise<HttpDataGrant>
}

/** HTTP status of the data plane's refusals; anything else is a server fault. */
const DATA_STATUS: Readonly<Record<string, number>> = {
  ALLMENDE_NOT_AUTHENTICATED: 401,
  ALLMENDE_DATA_ACCESS_DENIED: 403,
  ALLMENDE_INVALID_INPUT: 416,
}

/**
 * `HttpData-PULL` (reference §1.4): `GET <dataAddress.endpoint>` with the access token of the
 * `TransferStartMessage` as `Authorization: Bearer`, optionally `Range: bytes=N-` to resume. The
 * token names the consumer (`sub`) and the agreement; the transfer service verifies it and evaluates
 * the agreement for this request before a byte moves. Errors are `{code, reason[]}` JSON.
 */
export async function serveHttpData(ctx: Context, source: HttpDataSource, log: Logger): Promise<void> {
  try {
    const token = bearerOf(ctx.get('authorization'))
    const claims = unverifiedClaims(token)
    const offset = rangeStart(ctx.get('range'))
    const grant = await source.openData(
      {
        type: 'request',
        token,
        agreementId: claims.agreementId,
        ...(offset === undefined ? {} : { offset }),
      },
      claims.sub,
    )
    if (offset !== undefined && grant.size !== undefined && offset > 0 && offset >= grant.size) {
      // RFC 9110 §15.5.17: a range from the end is unsatisfiable; the consumer already holds it all.
      grant.release()
      ctx.status = 416
      ctx.set('Content-Range', `bytes */${grant.size}`)
      ctx.body = { code: 'ALLMENDE_RANGE_COMPLETE', reason: [`all ${grant.size} bytes lie before ${offset}`] }
      return
    }
    const stream = Readable.from(flatten(grant.content), { objectMode: false })
    stream.once('close', () => grant.release())
    ctx.status = offset === undefined ? 200 : 206
    ctx.type = grant.mediaType
    if (grant.size !== undefined) {
      ctx.length = grant.size - grant.offset
      if (offset !== undefined)
        ctx.set('Content-Range', `bytes ${grant.offset}-${grant.size - 1}/${grant.size}`)
    }
    ctx.set('Accept-Ranges', 'bytes')
    ctx.body = stream
  } catch (error) {
    const code = error instanceof AllmendeError ? error.code : 'ALLMENDE_INTERNAL'
    const status = DATA_STATUS[code] ?? 500
    if (status === 500) log.error({ err: error, path: ctx.path }, 'HTTP data request failed')
    ctx.status = status
    if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="data"')
    const reasonCode = (error as { reasonCode?: unknown }).reasonCode
    ctx.body = {
      code: status === 500 ? 'ALLMENDE_INTERNAL' : code,
      // Why access was denied (POLICY_DENIED, TOKEN_INVALID, ...): the consumer's termination code.
      ...(status !== 500 && typeof reasonCode === 'string' ? { reasonCode } : {}),
      reason: [status === 500 ? 'internal error; the provider logged the details' : (error as Error).message],
    }
  }
}

function bearerOf(header: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (match === null) {
    throw new NotAuthenticatedError(
      'send the access token of the TransferStartMessage as "Authorization: Bearer <token>"',
    )
  }
  return match[1] as string
}

/** The token's claims, read to route the request; the transfer service verifies the token itself. */
function unverifiedClaims(token: string): { sub: string; agreementId: string } {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, unknown>
    if (typeof payload.sub === 'string' && typeof payload.agreementId === 'string') {
      return { sub: payload.sub, agreementId: payload.agreementId }
    }
  } catch {
    // refused below
  }
  throw new NotAuthenticatedError('the bearer token is not an access token of this provider')
}

/** `bytes=N-` → N; other ranges are not served (one contiguous tail resumes a pull). */
function rangeStart(header: string): number | undefined {
  if (header === '') return undefined
  const match = /^bytes=(\d+)-$/.exec(header.trim())
  if (match === null) {
    throw new InvalidInputError(`only "Range: bytes=N-" is served, not "${header}"`)
  }
  return Number(match[1])
}

async function* flatten(batches: AsyncIterable<readonly Uint8Array[]>): AsyncIterable<Uint8Array> {
  for await (const batch of batches) yield* batch
}
