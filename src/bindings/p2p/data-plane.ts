import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { didKeyFromPeerId, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { AllmendeError, DATA_PROTOCOL, type DataAddress, PeerUnreachableError } from '../../protocol/index.js'
import {
  DataProtocolError,
  type DataProvider,
  type DataPuller,
  type DataRequest,
  DataSourceFailedError,
  LIBP2P_ENDPOINT_TYPE,
  type PullTarget,
  type ReceiptGrant,
  RemoteDataError,
} from '../../transfer/index.js'
import type { PeerAdmission } from './admission.js'
import {
  DATA_ACK_BYTES,
  DATA_CREDIT_BYTES,
  DATA_RECEIVE_WINDOW_BYTES,
  type DataControlFrame,
  type DataFrame,
  DataFrameDecoder,
  encodeControl,
  FRAME_DATA,
  frameHeader,
  MAX_DATA_FRAME_BYTES,
} from './data-frames.js'
import { widenReceiveWindow } from './receive-window.js'

/** Queued bytes in a stream's write buffer before the writer waits. */
const WRITE_HIGH_WATER_BYTES = 1024 * 1024
/** Inbound bytes a peer may have buffered here beyond its credit before the stream is reset. */
const INBOUND_LIMIT_BYTES = DATA_CREDIT_BYTES + 4 * MAX_DATA_FRAME_BYTES
/** The consumer writes at most this much in one call. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024
/** How long the first frame (request, answer) may take. */
const OPEN_TIMEOUT_MS = 15_000

/**
 * Frames over one libp2p stream. Every inbound byte is taken off the stream as it arrives (G2: an
 * unread stream is reset past its read buffer) into a decoder; the peer's credit bounds how much
 * that can be. Writes wait while the stream's write buffer holds more than 1 MiB (G1: libp2p's own
 * backpressure does not bound it).
 */
export class FrameChannel {
  private readonly decoder = new DataFrameDecoder()
  private readonly frames: DataFrame[] = []
  private queuedBytes = 0
  private failure: Error | undefined
  private ended = false
  private wake: (() => void) | undefined

  constructor(readonly stream: Stream) {
    stream.addEventListener('message', (event) => {
      if (this.failure !== undefined) return
      try {
        this.decoder.push(event.data)
        for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
          this.frames.push(frame)
          if (frame.kind === FRAME_DATA) this.queuedBytes += frame.bytes.byteLength
        }
        if (this.queuedBytes + this.decoder.bufferedBytes > INBOUND_LIMIT_BYTES) {
          throw new DataProtocolError('the peer sent more than its credit allows')
        }
      } catch (error) {
        this.failure = error as Error
        stream.abort(error as Error)
      }
      this.notify()
    })
    stream.addEventListener('remoteCloseWrite', () => {
      this.ended = true
      this.notify()
    })
    stream.addEventListener('close', (event) => {
      this.ended = true
      if (event.error !== undefined) this.failure ??= event.error
      this.notify()
    })
  }

  /** The next frame, or `undefined` once the peer closed its side. */
  async read(signal?: AbortSignal): Promise<DataFrame | undefined> {
    for (;;) {
      const frame = this.take()
      if (frame !== undefined) return frame
      if (this.failure !== undefined) throw this.failure
      if (this.ended) return undefined
      signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason)
        signal?.addEventListener('abort', onAbort, { once: true })
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    }
  }

  /** A frame already received, without waiting. */
  take(): DataFrame | undefined {
    const frame = this.frames.shift()
    if (frame?.kind === FRAME_DATA) this.queuedBytes -= frame.bytes.byteLength
    return frame
  }

  /** The kind of the next frame already received, if any. */
  peekKind(): number | undefined {
    return this.frames[0]?.kind
  }

  /** The next control message; data frames are a protocol error here. */
  async readControl(signal?: AbortSignal): Promise<DataControlFrame> {
    const frame = await this.read(signal)
    if (frame === undefined) throw new DataProtocolError('the peer closed the stream early')
    if (frame.kind === FRAME_DATA)
      throw new DataProtocolError('content arrived where a control message was due')
    return frame.message
  }

  async sendControl(message: DataControlFrame): Promise<void> {
    await this.send(encodeControl(message))
  }

  /**
   * Sends the parts of one frame in one write (one muxer frame, not one per part), then waits while
   * the write buffer is above the high-water mark.
   */
  async send(parts: readonly Uint8Array[]): Promise<void> {
    this.stream.send(new Uint8ArrayList(...parts))
    while (this.stream.writeBufferLength > WRITE_HIGH_WATER_BYTES) {
      if (this.stream.status !== 'open')
        throw this.failure ?? new DataProtocolError('the stream closed while sending')
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.removeEventListener('drain', done)
          this.stream.removeEventListener('idle', done)
          this.stream.removeEventListener('close', done)
          resolve()
        }
        this.stream.addEventListener('drain', done)
        this.stream.addEventListener('idle', done)
        this.stream.addEventListener('close', done)
      })
    }
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

/**
 * The libp2p data plane (`/allmende/data/1.0.0`, frames in `data-frames.ts`):
 * pull requests from consumers are checked and served by the {@link DataProvider}, content streams
 * in bounded chunks under the consumer's credit; {@link P2pDataPlane.pull} is the consumer side.
 */
export class P2pDataPlane implements DataPuller {
  private serving = false

  constructor(
    private readonly libp2p: Libp2p,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
  ) {}

  /** Registers the data protocol; requests go to `provider`. */
  async serve(provider: DataProvider): Promise<void> {
    await this.libp2p.handle(
      DATA_PROTOCOL,
      (stream, connection) => this.answer(provider, stream, connection),
      {
        maxInboundStreams: 32,
      },
    )
    this.serving = true
  }

  async stop(): Promise<void> {
    if (this.serving) await this.libp2p.unhandle(DATA_PROTOCOL)
    this.serving = false
  }

  /** Whether `address` is a pull address of this data plane (the provider's `/p2p/…` peer). */
  serves(address: DataAddress | undefined): boolean {
    return address?.endpointType === LIBP2P_ENDPOINT_TYPE
  }

  /**
   * Pulls one request from `peer` (DID) into `target` and returns the receipt the provider
   * countersigned. A refusal or source failure is a {@link RemoteDataError}; a broken stream the
   * error of the transport (the caller resumes with a fresh token).
   */
  async pull(peer: string, request: DataRequest, target: PullTarget, signal: AbortSignal): Promise<unknown> {
    const peerId = peerIdFromDidKey(peer)
    this.admission.requireStanding()
    let stream: Stream
    try {
      stream = await this.admission.openStream(peerId, DATA_PROTOCOL, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)]),
      })
    } catch (cause) {
      throw new PeerUnreachableError(peerId.toString(), (cause as Error).message, { cause })
    }
    const channel = new FrameChannel(stream)
    widenReceiveWindow(stream, DATA_RECEIVE_WINDOW_BYTES)
    const onAbort = () => stream.abort(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      await channel.sendControl({ type: 'request', ...request })
      const first = await channel.readControl(AbortSignal.any([signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)]))
      if (first.type === 'error') throw new RemoteDataError(first.code, first.reasonCode, first.reason)
      if (first.type !== 'header') throw new DataProtocolError(`expected a header, got ${first.type}`)
      await target.begin(first)
      let acknowledged = target.written
      for (;;) {
        const frame = await channel.read(signal)
        if (frame === undefined) throw new DataProtocolError('the provider closed the stream before the end')
        if (frame.kind === FRAME_DATA) {
          // Write what has already arrived in one go: fewer, larger writes.
          const batch = frame.bytes
          while (batch.byteLength < WRITE_BATCH_BYTES && channel.peekKind() === FRAME_DATA) {
            const next = channel.take()
            if (next?.kind === FRAME_DATA) batch.append(next.bytes)
          }
          await target.write(batch)
          if (target.written - acknowledged >= DATA_ACK_BYTES) {
            acknowledged = target.written
            await channel.sendControl({ type: 'ack', offset: acknowledged })
          }
          continue
        }
        const message = frame.message
        if (message.type === 'error')
          throw new RemoteDataError(message.code, message.reasonCode, message.reason)
        if (message.type !== 'end')
          throw new DataProtocolError(`unexpected ${message.type} during the content`)
        let receipt: Record<string, unknown>
        try {
          receipt = (await target.finish(message)) as unknown as Record<string, unknown>
        } catch (error) {
          await channel.sendControl(errorFrame(error)).catch(() => undefined)
          throw error
        }
        await channel.sendControl({ type: 'receipt', receipt })
        const answer = await channel.readControl(signal)
        if (answer.type === 'error') throw new RemoteDataError(answer.code, answer.reasonCode, answer.reason)
        if (answer.type !== 'receipt')
          throw new DataProtocolError(`expected the countersigned receipt, got ${answer.type}`)
        await stream.close().catch(() => undefined)
        return answer.receipt
      }
    } catch (error) {
      stream.abort(error as Error)
      throw error
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  private async answer(provider: DataProvider, stream: Stream, connection: Connection): Promise<void> {
    const channel = new FrameChannel(stream)
    const peer = connection.remotePeer
    let grant: ReceiptGrant
    try {
      await this.admission.requireAdmittedStream(peer, DATA_PROTOCOL)
      const request = await channel.readControl(AbortSignal.timeout(OPEN_TIMEOUT_MS))
      if (request.type !== 'request') throw new DataProtocolError(`expected a request, got ${request.type}`)
      grant = await provider.openData(request, { peer: didKeyFromPeerId(peer) })
    } catch (error) {
      await this.refuse(channel, error, peer.toString())
      return
    }
    try {
      await this.stream(channel, grant)
    } catch (error) {
      // A failed source or a bad receipt is told to the consumer; a suspension or termination here,
      // a consumer that went away or broke the protocol just ends the stream.
      const tell =
        error instanceof DataSourceFailedError ||
        (error instanceof AllmendeError &&
          error.expose &&
          !(error instanceof RemoteDataError) &&
          !grant.signal.aborted)
      grant.release()
      if (tell) {
        await this.refuse(channel, error, peer.toString())
        return
      }
      this.log.debug({ err: (error as Error).message, transfer: grant.transfer }, 'data stream ended early')
      stream.abort(error as Error)
    }
  }

  /** Header, content under credit, end; then the receipt exchange. */
  private async stream(channel: FrameChannel, grant: ReceiptGrant): Promise<void> {
    const stream = channel.stream
    const onAbort = () => stream.abort(grant.signal.reason as Error)
    grant.signal.addEventListener('abort', onAbort, { once: true })
    try {
      await channel.sendControl({
        type: 'header',
        transfer: grant.transfer,
        mediaType: grant.mediaType,
        ...(grant.size === undefined ? {} : { size: grant.size }),
        offset: grant.offset,
      })
      let sent = grant.offset
      let acknowledged = grant.offset
      const absorb = (frame: DataFrame | undefined): void => {
        if (frame === undefined)
          throw new DataProtocolError('the consumer closed the stream during the content')
        if (frame.kind === FRAME_DATA) throw new DataProtocolError('the consumer sent content')
        const message = frame.message
        if (message.type === 'ack') acknowledged = Math.max(acknowledged, message.offset)
        else if (message.type === 'error')
          throw new RemoteDataError(message.code, message.reasonCode, message.reason)
        else throw new DataProtocolError(`unexpected ${message.type} during the content`)
      }
      for await (const batch of grant.content) {
        // One frame per batch (large frames mean few muxer frames and window updates).
        for (const parts of framesOf(batch)) {
          const size = parts.reduce((sum, part) => sum + part.byteLength, 0)
          await channel.send([frameHeader(FRAME_DATA, size), ...parts])
          sent += size
          for (let f = channel.take(); f !== undefined; f = channel.take()) absorb(f)
          while (sent - acknowledged > DATA_CREDIT_BYTES) absorb(await channel.read(grant.signal))
        }
      }
      await channel.sendControl({ type: 'end', ...(await grant.sent.totals()) })
      for (;;) {
        const message = await channel.readControl(
          AbortSignal.any([grant.signal, AbortSignal.timeout(60_000)]),
        )
        if (message.type === 'ack') continue
        if (message.type === 'error')
          throw new RemoteDataError(message.code, message.reasonCode, message.reason)
        if (message.type !== 'receipt') throw new DataProtocolError(`expected a receipt, got ${message.type}`)
        const countersigned = await grant.complete(message.receipt)
        await channel.sendControl({
          type: 'receipt',
          receipt: countersigned as unknown as Record<string, unknown>,
        })
        await stream.close().catch(() => undefined)
        return
      }
    } finally {
      grant.signal.removeEventListener('abort', onAbort)
    }
  }

  private async refuse(channel: FrameChannel, error: unknown, peer: string): Promise<void> {
    if (!(error instanceof AllmendeError) || !error.expose) {
      this.log.error({ err: error, peer }, 'data request failed')
    }
    await channel.sendControl(errorFrame(error)).catch(() => undefined)
    await channel.stream.close().catch(() => channel.stream.abort(error as Error))
  }
}

/** Splits a batch of chunks into frame payloads of at most {@link MAX_DATA_FRAME_BYTES}, without copying. */
function* framesOf(batch: readonly Uint8Array[]): Generator<Uint8Array[]> {
  let parts: Uint8Array[] = []
  let size = 0
  for (const chunk of batch) {
    for (let at = 0; at < chunk.byteLength; ) {
      const take = Math.min(chunk.byteLength - at, MAX_DATA_FRAME_BYTES - size)
      parts.push(at === 0 && take === chunk.byteLength ? chunk : chunk.subarray(at, at + take))
      size += take
      at += take
      if (size === MAX_DATA_FRAME_BYTES) {
        yield parts
        parts = []
        size = 0
      }
    }
  }
  if (size > 0) yield parts
}

function errorFrame(error: unknown): DataControlFrame {
  if (error instanceof AllmendeError && error.expose) {
    const reasonCode = (error as { reasonCode?: unknown }).reasonCode
    return {
      type: 'error',
      code: error.code,
      ...(typeof reasonCode === 'string' ? { reasonCode } : {}),
      reason: error.message,
    }
  }
  return {
    type: 'error',
    code: 'ALLMENDE_INTERNAL',
    reason: 'internal error; the node logged the details',
  }
}
