import { Readable } from 'node:stream'
import type { Context } from 'koa'
import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import { errorReply, InvalidInputError, NotAuthenticatedError } from '../../protocol/index.js'

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
 * The provider's gate of its data plane (`src/transfer/data-plane/provider-gate.ts`), shared with
 * the libp2p data plane: checks the access token, the transfer and the agreement's usage policy,
 * writes the decision to the audit log, and opens the source.
 */
export interface HttpDataSource {
  openData(
    request: {
      readonly type: 'request'
      readonly token: string
      readonly agreementId: string
      readonly offset?: number
    },
    /** The token is the bearer credential, for the transfer whose path it was presented at. */
    from: { readonly bearerFor: string },
  ): Promise<HttpDataGrant>
}

/**
 * `HttpData-PULL` (reference §1.4): `GET <dataAddress.endpoint>` with the access token of the
 * `TransferStartMessage` as `Authorization: Bearer`, optionally `Range: bytes=N-` to resume. The
 * token names the consumer (`sub`) and the agreement; the provider gate verifies it and evaluates
 * the agreement for this request before a byte moves. Errors are `{code, reason[]}` JSON.
 */
export async function serveHttpData(
  ctx: Context,
  source: HttpDataSource,
  log: Logger,
  refusals?: UnauthenticatedRefusals,
): Promise<void> {
  try {
    const token = bearerOf(ctx.get('authorization'))
    const offset = rangeStart(ctx.get('range'))
    const grant = await source.openData(
      {
        type: 'request',
        token,
        agreementId: agreementOf(token),
        ...(offset === undefined ? {} : { offset }),
      },
      { bearerFor: ctx.params.pid ?? '' },
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
    const reply = errorReply(error)
    if (reply.status >= 500) log.error({ err: error, path: ctx.path }, 'HTTP data request failed')
    if (error instanceof NotAuthenticatedError) refusals?.refuse('http-data', 'no-bearer')
    ctx.status = reply.status
    if (reply.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="data"')
    const size = (error as { size?: unknown }).size
    if (reply.status === 416 && typeof size === 'number') ctx.set('Content-Range', `bytes */${size}`)
    const reasonCode = (error as { reasonCode?: unknown }).reasonCode
    ctx.body = {
      code: reply.code,
      // Why access was denied (POLICY_DENIED, TOKEN_INVALID, ...): the consumer's termination code.
      ...(reply.exposed && typeof reasonCode === 'string' ? { reasonCode } : {}),
      reason: [reply.message],
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

/**
 * The agreement the token names, read to form the request; the provider gate verifies the token
 * itself (its issuer, signature, subject and transfer) before it believes any claim.
 */
function agreementOf(token: string): string {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, unknown>
    if (typeof payload.agreementId === 'string') return payload.agreementId
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
