import type { Stream } from '@libp2p/interface'
import { InvalidInputError } from '../../protocol/errors.js'
import { JsonFrames } from './json-frames.js'

// A negotiation sends four short messages, each answered at once. Opening a libp2p stream for each costs
// more CPU than the message itself (protocol selection, stream set-up and tear-down frames, a peer store
// update per stream), so a peer keeps one long-lived channel stream per peer and DSP area and numbers its
// requests on it (spec/libp2p-framing.md, "Channels").

/** A request on a channel: the sender's number for it and one DSP message. */
export interface ChannelRequest {
  readonly id: number
  readonly message: unknown
}

/** The answer to request `id`: the DSP acknowledgement or `*Error` message. */
export interface ChannelAnswer {
  readonly id: number
  readonly answer: unknown
}

/** Requests a channel's receiver handles at once; it reads no further request until one is answered. */
export const CHANNEL_IN_FLIGHT = 32

/** The transport failed under a request sent on a channel: the caller retries, the message was maybe not seen. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError'
}

/**
 * The sending end of a channel: writes numbered requests and matches the answers to them. Any broken
 * frame or stream fails every request still waiting and closes the channel; a new one is opened for
 * the next request.
 */
export class ChannelClient {
  private readonly frames: JsonFrames
  private readonly waiting = new Map<number, { resolve(answer: unknown): void; reject(error: Error): void }>()
  private nextId = 1
  private writes: Promise<void> = Promise.resolve()
  private idleTimer: NodeJS.Timeout | undefined
  closed = false

  constructor(
    readonly stream: Stream,
    maxBytes: number,
    private readonly idleMs: number,
  ) {
    this.frames = new JsonFrames(stream, maxBytes)
    void this.readAnswers()
    this.armIdleTimer()
  }

  /** Sends `message` and resolves with the answer, or rejects after `timeoutMs` or when the channel breaks. */
  request(message: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new ChannelClosedError('the channel is closed'))
    const id = this.nextId++
    clearTimeout(this.idleTimer)
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id)
        reject(new ChannelClosedError(`no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: (answer) => {
          clearTimeout(timer)
          resolve(answer)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      const frame: ChannelRequest = { id, message }
      this.writes = this.writes
        .then(() => this.frames.write(frame))
        .catch((error: Error) => this.close(error))
    })
  }

  /** Ends the channel; requests still waiting fail with `error`. */
  close(error: Error = new ChannelClosedError('the channel was closed')): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.idleTimer)
    for (const [id, waiter] of this.waiting) {
      this.waiting.delete(id)
      waiter.reject(error instanceof ChannelClosedError ? error : new ChannelClosedError(error.message))
    }
    this.stream.close().catch(() => this.stream.abort(error))
  }

  private async readAnswers(): Promise<void> {
    try {
      for (;;) {
        const frame = await this.frames.read()
        if (!isAnswer(frame))
          throw new InvalidInputError('the peer sent a channel frame that is not an answer')
        // An answer to a request that timed out here is dropped; the caller has retried or given up.
        this.waiting.get(frame.id)?.resolve(frame.answer)
        this.settle(frame.id)
      }
    } catch (error) {
      this.close(error as Error)
    }
  }

  private settle(id: number): void {
    this.waiting.delete(id)
    if (this.waiting.size === 0) this.armIdleTimer()
  }

  /** A channel nobody uses for `idleMs` is closed, so idle peers hold no streams. */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer)
    if (this.closed) return
    this.idleTimer = setTimeout(() => this.close(), this.idleMs)
    this.idleTimer.unref()
  }
}

/**
 * The receiving end: reads numbered requests, hands each to `answer` (at most {@link CHANNEL_IN_FLIGHT}
 * at once; it must resolve, with an `*Error` message for a refusal) and writes the answers as they are
 * ready, in any order. A frame that is not a request ends the channel. Resolves when the channel has ended.
 */
export async function serveChannel(
  stream: Stream,
  maxBytes: number,
  answer: (message: object) => Promise<unknown>,
): Promise<void> {
  const frames = new JsonFrames(stream, maxBytes)
  const answering = new Set<Promise<void>>()
  let writes: Promise<void> = Promise.resolve()
  try {
    for (;;) {
      if (answering.size >= CHANNEL_IN_FLIGHT) await Promise.race(answering)
      const frame = (await frames.read()) as Partial<ChannelRequest> | null
      const id = frame?.id
      if (!Number.isSafeInteger(id) || typeof frame?.message !== 'object' || frame.message === null) {
        throw new InvalidInputError('the peer sent a channel frame that is not a request')
      }
      const answered = answer(frame.message).then((reply) => {
        const out: ChannelAnswer = { id: id!, answer: reply }
        writes = writes.then(() => frames.write(out)).catch((error: Error) => stream.abort(error))
        answering.delete(answered)
      })
      answering.add(answered)
    }
  } catch (error) {
    // The sender closed its end (idle, stopping) or broke the framing: answers still due are written first.
    await Promise.all(answering)
    await writes
    if ((error as Error).name === 'UnexpectedEOFError') await stream.close().catch(() => undefined)
    else stream.abort(error as Error)
  }
}

function isAnswer(frame: unknown): frame is ChannelAnswer {
  return (
    typeof frame === 'object' &&
    frame !== null &&
    typeof (frame as { id?: unknown }).id === 'number' &&
    'answer' in frame
  )
}
