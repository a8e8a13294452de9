import { Uint8ArrayList } from 'uint8arraylist'
import type { Logger } from '../../log/index.js'
import { type DataAddress, PeerUnreachableError } from '../../protocol/index.js'
import {
  ContentMismatchError,
  DataProtocolError,
  type DataPuller,
  type DataRequest,
  HTTP_ENDPOINT_TYPE,
  type PullTarget,
  RemoteDataError,
} from '../../transfer/index.js'

/** How long the provider may take to answer with its headers. */
const OPEN_TIMEOUT_MS = 15_000
/** How long the body may stall before the pull is given up (and resumed with a fresh token). */
const IDLE_TIMEOUT_MS = 60_000
/** Received bytes gathered before one write to the file: bounds memory, keeps writes large. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024

export interface HttpDataPullerInit {
  readonly log: Logger
  readonly fetch?: typeof fetch
  readonly openTimeoutMs?: number
  readonly idleTimeoutMs?: number
}

/**
 * The consumer side of `HttpData-PULL` (reference §1.4; docs/dsp-http.md "Transfers"): `GET` the
 * start message's `dataAddress.endpoint` with its bearer `authorization`, streamed into the pull
 * target in bounded batches. A consumer that already holds N bytes asks `Range: bytes=N-`; a 206
 * continues there, a 200 (no range support) is read from byte 0 and its first N bytes skipped (the
 * target hashed them from the file). No receipt exists on this data plane: the pull ends with
 * {@link PullTarget.settle}. A refusal (4xx) is a {@link RemoteDataError}; a 5xx, a broken or short
 * body or a stall is a transport failure the transfer manager retries with a fresh token.
 *
 * @example
 * ```ts
 * const puller = new HttpDataPuller({ log })
 * const totals = await puller.pull(providerDid, request, target, signal, startMessage.dataAddress)
 * ```
 */
export class HttpDataPuller implements DataPuller {
  constructor(private readonly init: HttpDataPullerInit) {}

  /** Whether a data address is one this puller serves (`endpointType` HTTP, an http(s) endpoint). */
  serves(address: DataAddress | undefined): boolean {
    return address?.endpointType === HTTP_ENDPOINT_TYPE && /^https?:\/\//i.test(address.endpoint ?? '')
  }

  async pull(
    _peer: string,
    request: DataRequest,
    target: PullTarget,
    signal: AbortSignal,
    address?: DataAddress,
  ): Promise<unknown> {
    const endpoint = address?.endpoint
    if (!this.serves(address) || endpoint === undefined) {
      throw new DataProtocolError(`the data address names no http(s) endpoint of type ${HTTP_ENDPOINT_TYPE}`)
    }
    if (target.settle === undefined) throw new TypeError('an HttpData-PULL target must be able to settle')
    const offset = request.offset ?? 0
    if (offset !== target.written) {
      throw new TypeError(`the pull asks for byte ${offset}, but the target holds ${target.written}`)
    }
    const local = new AbortController()
    const stalled = () =>
      local.abort(new DataProtocolError(`the provider sent nothing for ${this.idleMs / 1000} s`))
    let timer = setTimeout(stalled, this.init.openTimeoutMs ?? OPEN_TIMEOUT_MS)
    const rearm = () => {
      clearTimeout(timer)
      timer = setTimeout(stalled, this.idleMs)
    }
    try {
      const response = await this.open(
        endpoint,
        request.token,
        offset,
        AbortSignal.any([signal, local.signal]),
      )
      const plan = await this.planOf(response, offset)
      if (plan === 'complete') return await target.settle()
      rearm()
      let skip = plan.skip
      let batch = new Uint8ArrayList()
      /** Bytes held, written or being written. */
      let held = offset
      // One batch is written while the next arrives, so the disk and the network work at once.
      let writing: Promise<void> = Promise.resolve()
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          rearm()
          let chunk = value
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.byteLength)
            skip -= dropped
            chunk = chunk.subarray(dropped)
          }
          if (chunk.byteLength === 0) continue
          if (plan.total !== undefined && held + chunk.byteLength > plan.total) {
            throw new ContentMismatchError(`the provider sent more than the ${plan.total} bytes it announced`)
          }
          held += chunk.byteLength
          batch.append(chunk)
          if (batch.byteLength >= WRITE_BATCH_BYTES) {
            await writing
            writing = target.write(batch)
            // Awaited before the next batch or at the end; a failure meanwhile is no unhandled rejection.
            writing.catch(() => undefined)
            batch = new Uint8ArrayList()
          }
        }
        await writing
      } catch (error) {
        await reader.cancel().catch(() => undefined)
        // What arrived before a break is a correct prefix: keep it, the resumption starts after it.
        const prefixKept = await writing.then(
          () => true,
          () => false,
        )
        if (prefixKept && !(error instanceof ContentMismatchError) && batch.byteLength > 0) {
          await target.write(batch).catch(() => undefined)
        }
        throw local.signal.aborted && !signal.aborted ? local.signal.reason : error
      }
      if (batch.byteLength > 0) await target.write(batch)
      if (skip > 0) {
        throw new ContentMismatchError(
          `the provider's content ends before byte ${offset}, which this node already holds`,
        )
      }
      if (plan.total !== undefined && target.written < plan.total) {
        throw new DataProtocolError(
          `the provider's answer ended at byte ${target.written} of ${plan.total}; resuming`,
        )
      }
      return await target.settle()
    } finally {
      clearTimeout(timer)
    }
  }

  private get idleMs(): number {
    return this.init.idleTimeoutMs ?? IDLE_TIMEOUT_MS
  }

  private async open(
    endpoint: string,
    token: string,
    offset: number,
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: /^bearer\s/i.test(token) ? token : `Bearer ${token}`,
      // Byte offsets count the content itself: no transfer coding on top.
      'accept-encoding': 'identity',
    }
    if (offset > 0) headers.range = `bytes=${offset}-`
    try {
      return await (this.init.fetch ?? fetch)(endpoint, { headers, signal, redirect: 'error' })
    } catch (cause) {
      if (signal.aborted) throw signal.reason
      throw new PeerUnreachableError(new URL(endpoint).origin, (cause as Error).message, { cause })
    }
  }

  /**
   * What the answer holds: bytes to skip and the total, or `complete` when the range starts at the
   * end of the content (416 naming exactly the bytes held). Refusals throw.
   */
  private async planOf(
    response: Response,
    offset: number,
  ): Promise<'complete' | { skip: number; total: number | undefined }> {
    const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity'
    const length = encoded ? undefined : numberOrUndefined(response.headers.get('content-length'))
    if (response.status === 200) {
      return { skip: offset, total: length }
    }
    if (response.status === 206) {
      const range = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(response.headers.get('content-range') ?? '')
      if (range === null || Number(range[1]) !== offset) {
        await response.body?.cancel().catch(() => undefined)
        throw new ContentMismatchError(
          `the provider answered the range from byte ${offset} with "${response.headers.get('content-range') ?? 'no Content-Range'}"`,
        )
      }
      return { skip: 0, total: range[3] === '*' ? Number(range[2]) + 1 : Number(range[3]) }
    }
    const text = await response.text().catch(() => '')
    if (response.status === 416 && offset > 0) {
      const total = /^bytes\s+\*\/(\d+)$/i.exec(response.headers.get('content-range') ?? '')?.[1]
      if (total !== undefined && Number(total) === offset) return 'complete'
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new PeerUnreachableError(response.url, `answered ${response.status} ${text.slice(0, 200)}`)
    }
    let body: { code?: unknown; reasonCode?: unknown; reason?: unknown } = {}
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      // a foreign data plane may answer with text
    }
    const reasons = Array.isArray(body.reason) ? body.reason.map(String) : []
    throw new RemoteDataError(
      typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
      typeof body.reasonCode === 'string' ? body.reasonCode : `HTTP_${response.status}`,
      reasons.length > 0
        ? reasons.join('; ')
        : `the data endpoint answered ${response.status} ${text.slice(0, 200)}`.trim(),
    )
  }
}

function numberOrUndefined(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined
  return Number(value)
}
