import { InvalidFrameError, MessageTooLargeError } from './dsp-errors.js'
import { decodeMessage, encodeMessage, MAX_MESSAGE_BYTES } from './message-codec.js'

// spec/libp2p-framing.md: each frame is an unsigned varint (LEB128, as multiformats and
// it-length-prefixed write it) holding the byte length, then that many bytes of UTF-8 JSON.

/** Bytes an unsigned varint needs for `value`. */
function varintLength(value: number): number {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    length++
  }
  return length
}

/**
 * Encodes one message as a length-prefixed frame. Throws `MessageTooLargeError` when its JSON is
 * larger than `maxBytes`.
 */
export function encodeFrame(message: unknown, maxBytes: number = MAX_MESSAGE_BYTES): Uint8Array {
  const payload = encodeMessage(message, maxBytes)
  let length = payload.byteLength
  const frame = new Uint8Array(varintLength(length) + length)
  let offset = 0
  while (length >= 0x80) {
    frame[offset++] = (length & 0x7f) | 0x80
    length = Math.floor(length / 0x80)
  }
  frame[offset++] = length
  frame.set(payload, offset)
  return frame
}

/**
 * Incremental decoder of length-prefixed JSON frames: push bytes as they arrive, get back every
 * frame completed so far, parsed (but not yet validated: pass each to `parseMessage`).
 * A declared length over the limit is refused as soon as its prefix is read, before any of its
 * payload is buffered. After an error the stream is out of step: the decoder refuses further
 * input and the stream must be closed.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder()
 * for await (const chunk of stream) for (const json of decoder.push(chunk)) handle(parseMessage(json))
 * decoder.end()
 * ```
 */
export class FrameDecoder {
  readonly maxBytes: number
  private readonly chunks: Uint8Array[] = []
  private buffered = 0
  /** Payload length of the frame being read, once its prefix is complete. */
  private expected: number | undefined
  private failed: Error | undefined

  constructor(maxBytes: number = MAX_MESSAGE_BYTES) {
    this.maxBytes = maxBytes
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered
  }

  /** Adds received bytes; returns the JSON values of all frames they complete, in order. */
  push(bytes: Uint8Array): unknown[] {
    if (this.failed !== undefined) throw this.failed
    if (bytes.byteLength > 0) {
      this.chunks.push(bytes)
      this.buffered += bytes.byteLength
    }
    const out: unknown[] = []
    try {
      for (;;) {
        if (this.expected === undefined) {
          const length = this.readPrefix()
          if (length === undefined) break
          this.expected = length
        }
        if (this.buffered < this.expected) break
        const payload = this.take(this.expected)
        this.expected = undefined
        out.push(decodeMessage(payload, this.maxBytes))
      }
    } catch (error) {
      this.failed = error as Error
      throw error
    }
    return out
  }

  /** Call at end of stream: throws `InvalidFrameError` if a frame was cut off. */
  end(): void {
    if (this.failed !== undefined) throw this.failed
    if (this.expected !== undefined || this.buffered > 0) {
      const want = this.expected === undefined ? 'its length prefix' : `${this.expected} bytes`
      throw new InvalidFrameError(`stream ended inside a frame: ${this.buffered} bytes of ${want} received`)
    }
  }

  /** Reads and consumes a complete varint prefix, or returns undefined if more bytes are needed. */
  private readPrefix(): number | undefined {
    const maxPrefix = varintLength(this.maxBytes)
    let value = 0
    let scale = 1
    let index = 0
    for (const chunk of this.chunks) {
      for (const byte of chunk) {
        value += (byte & 0x7f) * scale
        index++
        if (value > this.maxBytes) throw new MessageTooLargeError(value, this.maxBytes)
        if ((byte & 0x80) === 0) {
          this.take(index)
          return value
        }
        // A prefix longer than the limit's own encoding cannot declare an acceptable length.
        if (index >= maxPrefix) throw new MessageTooLargeError(value + scale * 0x80, this.maxBytes)
        scale *= 0x80
      }
    }
    return undefined
  }

  /** Removes and returns the first `count` buffered bytes. */
  private take(count: number): Uint8Array {
    const out = new Uint8Array(count)
    let filled = 0
    while (filled < count) {
      const head = this.chunks[0]!
      const need = count - filled
      if (head.byteLength <= need) {
        out.set(head, filled)
        filled += head.byteLength
        this.chunks.shift()
      } else {
        out.set(head.subarray(0, need), filled)
        this.chunks[0] = head.subarray(need)
        filled += need
      }
    }
    this.buffered -= count
    return out
  }
}
