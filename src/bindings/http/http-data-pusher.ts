import type { Logger } from '../../log/index.js'
import { AllmendeError, type DataAddress, PeerUnreachableError } from '../../protocol/index.js'
import {
  DataProtocolError,
  type DataPusher,
  HTTP_ENDPOINT_TYPE,
  type PushDelivery,
  RemoteDataError,
  tokenOf,
} from '../../transfer/index.js'

/** How long the consumer's endpoint may take to answer once the content is sent. */
const ANSWER_TIMEOUT_MS = 60_000

export interface HttpDataPusherInit {
  readonly log: Logger
  readonly fetch?: typeof fetch
  readonly answerTimeoutMs?: number
}

/**
 * The provider side of `HttpData-PUSH` (reference §1.4: the consumer's `dataAddress` in its
 * `TransferRequestMessage`): streams the content to `endpoint` as the body of one `POST` (or `PUT`
 * when an endpoint property `method` says so), with the consumer's `authorization` as bearer token.
 * A 2xx answer delivers it; a 4xx is a {@link RemoteDataError} (the consumer refused: do not retry);
 * a 5xx or a broken connection a transport failure the provider push retries.
 *
 * @example
 * ```ts
 * const pusher = new HttpDataPusher({ log })
 * await pusher.push(request.dataAddress, { mediaType: 'text/csv', content }, signal)
 * ```
 */
export class HttpDataPusher implements DataPusher {
  constructor(private readonly init: HttpDataPusherInit) {}

  /** Whether a consumer's data address is one this pusher delivers to (HTTP, http(s) endpoint). */
  static serves(address: DataAddress | undefined): boolean {
    return address?.endpointType === HTTP_ENDPOINT_TYPE && /^https?:\/\//i.test(address.endpoint ?? '')
  }

  serves(address: DataAddress | undefined): boolean {
    return HttpDataPusher.serves(address)
  }

  async push(address: DataAddress, delivery: PushDelivery, signal: AbortSignal): Promise<void> {
    if (!HttpDataPusher.serves(address)) {
      throw new DataProtocolError(`the data address names no http(s) endpoint of type ${HTTP_ENDPOINT_TYPE}`)
    }
    const endpoint = address.endpoint as string
    const token = tokenOf(address)
    const method =
      address.endpointProperties?.find((p) => p.name === 'method')?.value?.toUpperCase() === 'PUT'
        ? 'PUT'
        : 'POST'
    const headers: Record<string, string> = { 'content-type': delivery.mediaType }
    if (token !== undefined) headers.authorization = /^bearer\s/i.test(token) ? token : `Bearer ${token}`
    if (delivery.size !== undefined) headers['content-length'] = String(delivery.size)
    let response: Response
    try {
      response = await (this.init.fetch ?? fetch)(endpoint, {
        method,
        headers,
        body: flatten(delivery.content) as unknown as RequestInit['body'],
        duplex: 'half',
        signal,
        redirect: 'error',
      } as RequestInit)
    } catch (cause) {
      if (signal.aborted) throw signal.reason
      // A failed source surfaces here as the cause of the aborted upload: keep its type.
      const inner = (cause as { cause?: unknown }).cause
      if (inner instanceof AllmendeError) throw inner
      throw new PeerUnreachableError(new URL(endpoint).origin, (cause as Error).message, { cause })
    }
    const text = await readText(response, AbortSignal.any([signal, AbortSignal.timeout(this.answerMs)]))
    if (response.ok) return
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new PeerUnreachableError(
        new URL(endpoint).origin,
        `answered ${response.status} ${text.slice(0, 200)}`,
      )
    }
    this.init.log.debug({ endpoint, status: response.status }, 'push refused by the consumer')
    throw new RemoteDataError(
      `HTTP_${response.status}`,
      `HTTP_${response.status}`,
      `the consumer's endpoint answered ${response.status} ${text.slice(0, 200)}`.trim(),
    )
  }

  private get answerMs(): number {
    return this.init.answerTimeoutMs ?? ANSWER_TIMEOUT_MS
  }
}

async function* flatten(batches: AsyncIterable<readonly Uint8Array[]>): AsyncIterable<Uint8Array> {
  for await (const batch of batches) yield* batch
}

async function readText(response: Response, signal: AbortSignal): Promise<string> {
  const onAbort = () => void response.body?.cancel().catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await response.text().catch(() => '')
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
