/** CRC-32C (Castagnoli), the checksum LevelDB writes into every log record and table block. */
const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32C of `parts` taken as one byte string. */
export function crc32c(...parts: Uint8Array[]): number {
  let crc = 0xffffffff
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * LevelDB stores a masked CRC (rotated and offset), so that a CRC of data that itself holds CRCs
 * does not degenerate; this undoes nothing, it computes the same mask to compare with.
 */
export function maskedCrc32c(...parts: Uint8Array[]): number {
  const crc = crc32c(...parts)
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0
}
