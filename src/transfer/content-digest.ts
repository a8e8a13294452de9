import { createHash, type Hash } from 'node:crypto'
import type { Uint8ArrayList } from 'uint8arraylist'

/** A running SHA-256 over everything passed in, with the byte count. */
export class ContentDigest {
  private readonly hash: Hash = createHash('sha256')
  private count = 0

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.count
  }

  update(chunk: Uint8Array | Uint8ArrayList): void {
    if (chunk instanceof Uint8Array) this.hash.update(chunk)
    else for (const part of chunk) this.hash.update(part)
    this.count += chunk.byteLength
  }

  /** Hex SHA-256 of all bytes; the digest cannot be updated afterwards. */
  hex(): string {
    return this.hash.digest('hex')
  }
}

/**
 * Yields the content of `chunks` from byte `offset` on, after passing EVERY byte through `digest`,
 * the skipped prefix included: a resumed transfer is hashed from byte 0, so its final hash is the
 * hash of the whole content, the same as for an uninterrupted one.
 */
export async function* skipHashed(
  chunks: AsyncIterable<Uint8Array>,
  offset: number,
  digest: ContentDigest,
): AsyncGenerator<Uint8Array, void, undefined> {
  let position = 0
  for await (const chunk of chunks) {
    digest.update(chunk)
    const end = position + chunk.byteLength
    if (end > offset) yield position >= offset ? chunk : chunk.subarray(offset - position)
    position = end
  }
  if (position < offset) {
    throw new RangeError(`the content has ${position} bytes, fewer than the resume offset ${offset}`)
  }
}
