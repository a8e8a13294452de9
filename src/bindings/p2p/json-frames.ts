import type { Stream } from '@libp2p/interface'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { InvalidInputError } from '../../protocol/errors.js'
import { checkJsonDepth } from '../../protocol/message-codec.js'

/** Largest JSON frame a peer may send; bigger ones are refused before they are buffered. */
export const MAX_FRAME_BYTES = 1024 * 1024

/**
 * JSON messages over a libp2p stream, one unsigned-varint length-prefixed frame each
 * (spec/libp2p-framing.md).
 */
export class JsonFrames {
  private readonly lp: LengthPrefixedStream<Stream>

  constructor(
    readonly stream: Stream,
    maxBytes = MAX_FRAME_BYTES,
  ) {
    this.lp = lpStream(stream, { maxDataLength: maxBytes })
  }

  async write(message: unknown, options?: { signal?: AbortSignal }): Promise<void> {
    await this.lp.write(new TextEncoder().encode(JSON.stringify(message)), options)
  }

  /** Reads one frame and parses it; a malformed or too deeply nested frame is an `InvalidInputError`. */
  async read(options?: { signal?: AbortSignal }): Promise<unknown> {
    const frame = await this.lp.read(options)
    let value: unknown
    try {
      value = JSON.parse(new TextDecoder().decode(frame.subarray()))
    } catch (cause) {
      throw new InvalidInputError(`peer sent a frame that is not JSON: ${(cause as Error).message}`, {
        cause,
      })
    }
    checkJsonDepth(value, (message) => new InvalidInputError(`peer sent a frame: ${message}`))
    return value
  }
}
