import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { didKeyFromPeerId, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import {
  AllmendeError,
  DSP_CHANNEL_PROTOCOL_IDS,
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
import { ChannelClient, serveChannel } from './dsp-channel.js'
import { JsonFrames } from './json-frames.js'

/** Who sent a DSP message over libp2p: the authenticated peer (Noise) and its did:key. */
export interface P2pCaller {
  readonly peerId: PeerId
  readonly did: string
}

/** Answers one DSP message; the returned object is the response frame (an ACK or a payload). */
export type DspHandler = (message: DspMessage, caller: P2pCaller) => Promise<unknown>

const REQUEST_TIMEOUT_MS = 15_000
/** A channel without requests for this long is closed (a busy peer pair keeps its channel). */
const CHANNEL_IDLE_MS = 60_000
/** How long a peer that does not speak channels (an older version) is asked with one stream per request. */
const NO_CHANNEL_MS = 10 * 60_000

/** Channels a peer may hold open per connection and area (each handles up to 32 requests at once). */
const CHANNELS_PER_CONNECTION = 4

/** The areas whose short, frequent messages go over a channel; catalogs (up to 1 MiB) keep their own streams. */
type ChannelArea = keyof typeof DSP_CHANNEL_PROTOCOL_IDS

function isChannelArea(area: DspArea): area is ChannelArea {
  return area in DSP_CHANNEL_PROTOCOL_IDS
}

/**
 * DSP over libp2p (spec/libp2p-framing.md): one request and one answer frame per stream, or many
 * numbered ones on a channel stream kept per peer (negotiations).
 * Every inbound message is validated against its DSP schema and served only to admitted peers;
 * handler errors become the area's `*Error` message, never a broken stream.
 */
export class P2pDspEndpoint {
  /** Open (or opening) channels by `peer area`. */
  private readonly channels = new Map<string, Promise<ChannelClient | undefined>>()
  /** Peers without channel support, until when they are asked with one stream per request. */
  private readonly withoutChannels = new Map<string, number>()

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
    if (!isChannelArea(area)) return
    await this.libp2p.handle(
      DSP_CHANNEL_PROTOCOL_IDS[area],
      async (stream, connection) => {
        const peer = connection.remotePeer
        try {
          await this.admission.requireAdmittedStream(peer, DSP_CHANNEL_PROTOCOL_IDS[area])
        } catch (error) {
          stream.abort(error as Error)
          return
        }
        await serveChannel(stream, MAX_MESSAGE_BYTES, (raw) => this.respond(area, handler, raw, peer))
      },
      // One channel per peer and area is used; a few more let a replacement open while one closes.
      { maxInboundStreams: CHANNELS_PER_CONNECTION },
    )
  }

  /** Sends a DSP message to a peer (PeerId or its did:key) and returns its parsed answer. */
  async request(peer: PeerId | string, area: DspArea, message: unknown): Promise<DspMessage> {
    // Validated on the way out as on the way in (as over DSP HTTP): no peer receives what it must reject.
    parseMessage(message)
    const peerId = typeof peer === 'string' ? peerIdFromDidKey(peer) : peer
    const channel = isChannelArea(area) ? await this.channelTo(peerId, area) : undefined
    if (channel === undefined) return parseMessage(await this.exchange(peerId, area, message))
    let answer: unknown
    try {
      answer = await channel.request(message, REQUEST_TIMEOUT_MS)
    } catch (cause) {
      throw new PeerUnreachableError(peerId.toString(), (cause as Error).message, { cause })
    }
    return parseMessage(refusalChecked(answer))
  }

  /**
   * The open channel to a peer for an area, one being opened, or a new one; undefined when the peer
   * does not speak channels (then one stream per request).
   */
  private async channelTo(peer: PeerId, area: ChannelArea): Promise<ChannelClient | undefined> {
    this.admission.requireStanding()
    if ((this.withoutChannels.get(peer.toString()) ?? 0) > Date.now()) return undefined
    const key = `${peer.toString()} ${area}`
    let opening = this.channels.get(key)
    // Concurrent requests share the channel being opened: the map is set before anything is awaited.
    if (opening === undefined || (await opening)?.closed === true) {
      if (this.channels.get(key) === opening) {
        opening = this.openChannel(peer, area)
        this.channels.set(key, opening)
        const forget = () => this.channels.get(key) === opening && this.channels.delete(key)
        opening.then((channel) => channel === undefined && forget(), forget)
      } else {
        opening = this.channels.get(key)!
      }
    }
    try {
      return await opening
    } catch (error) {
      throw new PeerUnreachableError(peer.toString(), (error as Error).message, { cause: error })
    }
  }

  private async openChannel(peer: PeerId, area: ChannelArea): Promise<ChannelClient | undefined> {
    try {
      const stream = await this.admission.openStream(peer, DSP_CHANNEL_PROTOCOL_IDS[area], {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      return new ChannelClient(stream, MAX_MESSAGE_BYTES, CHANNEL_IDLE_MS)
    } catch (error) {
      if ((error as Error).name !== 'UnsupportedProtocolError') throw error
      this.withoutChannels.set(peer.toString(), Date.now() + NO_CHANNEL_MS)
      return undefined
    }
  }

  /**
   * {@link request} without the schema check of the answer, for a caller that checks it part by
   * part (a catalog keeps its valid datasets when one offer breaks the schema). DSP errors still throw.
   */
  async requestUnparsed(peer: PeerId | string, area: DspArea, message: unknown): Promise<unknown> {
    parseMessage(message)
    return this.exchange(typeof peer === 'string' ? peerIdFromDidKey(peer) : peer, area, message)
  }

  /** One stream for one validated message and its answer (DSP errors throw). */
  private async exchange(peerId: PeerId, area: DspArea, message: unknown): Promise<unknown> {
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
      return refusalChecked(answer)
    } catch (error) {
      stream.abort(error as Error)
      throw error
    }
  }

  private async answer(area: DspArea, handler: DspHandler, stream: Stream, peer: PeerId): Promise<void> {
    const frames = new JsonFrames(stream, MAX_MESSAGE_BYTES)
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    try {
      await this.admission.requireAdmittedStream(peer, DSP_PROTOCOL_IDS[area])
      const raw = await frames.read({ signal })
      await frames.write(await this.respond(area, handler, raw, peer), { signal })
    } catch (error) {
      await frames.write(this.refusal(error, area, {}, peer), { signal }).catch(() => undefined)
    }
    await stream.close().catch(() => undefined)
  }

  /** The answer to one inbound message: the handler's, or the area's `*Error` message (never a rejection). */
  private async respond(area: DspArea, handler: DspHandler, raw: unknown, peer: PeerId): Promise<unknown> {
    try {
      // Checked per message, as a peer's admission may end while its channel stays open.
      await this.admission.requireAdmitted(peer)
      return await handler(parseMessage(raw), { peerId: peer, did: didKeyFromPeerId(peer) })
    } catch (error) {
      return this.refusal(error, area, pidsOf(raw), peer)
    }
  }

  private refusal(
    error: unknown,
    area: DspArea,
    pids: { providerPid?: string; consumerPid?: string },
    peer: PeerId,
  ): unknown {
    if (!(error instanceof AllmendeError) || !error.expose) {
      this.log.error({ err: error, area, peer: peer.toString() }, 'DSP request failed')
    }
    return toDspError(error, area, pids).body
  }
}

/** The answer, or the {@link RemoteDspError} it is when the peer answered with a `*Error` message. */
function refusalChecked(answer: unknown): unknown {
  const type = (answer as { '@type'?: unknown })['@type']
  if (typeof type === 'string' && type.endsWith('Error')) {
    const error = answer as { code?: string; reason?: unknown }
    throw new RemoteDspError(
      error.code ?? 'unknown',
      Array.isArray(error.reason) ? error.reason.map(String) : [],
    )
  }
  return answer
}

function pidsOf(raw: unknown): { providerPid?: string; consumerPid?: string } {
  if (typeof raw !== 'object' || raw === null) return {}
  const { providerPid, consumerPid } = raw as Record<string, unknown>
  return {
    ...(typeof providerPid === 'string' ? { providerPid } : {}),
    ...(typeof consumerPid === 'string' ? { consumerPid } : {}),
  }
}
