import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { didKeyFromPeerId, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import {
  AllmendeError,
  DSP_PROTOCOL_IDS,
  type DspArea,
  type DspMessage,
  MAX_MESSAGE_BYTES,
  PeerUnreachableError,
  parseMessage,
  RemoteDspError,
  toDspError,
} from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { JsonFrames } from './json-frames.js'

/** Who sent a DSP message over libp2p: the authenticated peer (Noise) and its did:key. */
export interface P2pCaller {
  readonly peerId: PeerId
  readonly did: string
}

/** Answers one DSP message; the returned object is the response frame (an ACK or a payload). */
export type DspHandler = (message: DspMessage, caller: P2pCaller) => Promise<unknown>

const REQUEST_TIMEOUT_MS = 15_000

/**
 * DSP over libp2p (spec/libp2p-framing.md): one stream per request, one JSON frame each way.
 * Every inbound message is validated against its DSP schema and served only to admitted peers;
 * handler errors become the area's `*Error` message, never a broken stream.
 */
export class P2pDspEndpoint {
  constructor(
    private readonly libp2p: Libp2p,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
  ) {}

  /** Registers the handler of one DSP area (catalog, negotiation, transfer). */
  async serve(area: DspArea, handler: DspHandler): Promise<void> {
    await this.libp2p.handle(DSP_PROTOCOL_IDS[area], (stream, connection) =>
      this.answer(area, handler, stream, connection.remotePeer),
    )
  }

  /** Sends a DSP message to a peer (PeerId or its did:key) and returns its parsed answer. */
  async request(peer: PeerId | string, area: DspArea, message: unknown): Promise<DspMessage> {
    return parseMessage(await this.requestUnparsed(peer, area, message))
  }

  /**
   * {@link request} without the schema check of the answer, for a caller that checks it part by
   * part (a catalog keeps its valid datasets when one offer breaks the schema). DSP errors still throw.
   */
  async requestUnparsed(peer: PeerId | string, area: DspArea, message: unknown): Promise<unknown> {
    // Validated on the way out as on the way in (as over DSP HTTP): no peer receives what it must reject.
    parseMessage(message)
    const peerId = typeof peer === 'string' ? peerIdFromDidKey(peer) : peer
    this.admission.requireStanding()
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    let stream: Stream
    try {
      stream = await this.admission.openStream(peerId, DSP_PROTOCOL_IDS[area], { signal })
    } catch (cause) {
      throw new PeerUnreachableError(peerId.toString(), (cause as Error).message, { cause })
    }
    const frames = new JsonFrames(stream, MAX_MESSAGE_BYTES)
    try {
      await frames.write(message, { signal })
      const answer = await frames.read({ signal })
      await stream.close().catch(() => undefined)
      const type = (answer as { '@type'?: unknown })['@type']
      if (typeof type === 'string' && type.endsWith('Error')) {
        const error = answer as { code?: string; reason?: unknown }
        throw new RemoteDspError(
          error.code ?? 'unknown',
          Array.isArray(error.reason) ? error.reason.map(String) : [],
        )
      }
      return answer
    } catch (error) {
      stream.abort(error as Error)
      throw error
    }
  }

  private async answer(area: DspArea, handler: DspHandler, stream: Stream, peer: PeerId): Promise<void> {
    const frames = new JsonFrames(stream, MAX_MESSAGE_BYTES)
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    let pids: { providerPid?: string; consumerPid?: string } = {}
    try {
      await this.admission.requireAdmittedStream(peer, DSP_PROTOCOL_IDS[area])
      const raw = await frames.read({ signal })
      pids = pidsOf(raw)
      const message = parseMessage(raw)
      const response = await handler(message, { peerId: peer, did: didKeyFromPeerId(peer) })
      await frames.write(response, { signal })
    } catch (error) {
      if (!(error instanceof AllmendeError) || !error.expose) {
        this.log.error({ err: error, area, peer: peer.toString() }, 'DSP request failed')
      }
      await frames.write(toDspError(error, area, pids).body, { signal }).catch(() => undefined)
    }
    await stream.close().catch(() => undefined)
  }
}

function pidsOf(raw: unknown): { providerPid?: string; consumerPid?: string } {
  if (typeof raw !== 'object' || raw === null) return {}
  const { providerPid, consumerPid } = raw as Record<string, unknown>
  return {
    ...(typeof providerPid === 'string' ? { providerPid } : {}),
    ...(typeof consumerPid === 'string' ? { consumerPid } : {}),
  }
}
