import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { maskedCrc32c } from './crc32c.js'
import { StoreCorruptionError, type StoreFileKind } from './errors.js'

/** What makes a file damaged, caught where the file's name is known. */
class FileDamage extends Error {}

/**
 * Checks every checksum LevelDB wrote into a database directory before the database is opened.
 *
 * `classic-level` exposes neither LevelDB's `paranoid_checks` nor `verify_checksums`, and without
 * them LevelDB skips a write-ahead-log record whose checksum fails (the newest committed writes
 * vanish) and reads table blocks without checking theirs (stored values change). This reads the
 * files as LevelDB lays them out (doc/log_format.md, doc/table_format.md of LevelDB) and refuses
 * on the first mismatch, so a damaged store is never opened, replayed or compacted.
 *
 * Only the files LevelDB will read are checked: the manifest CURRENT names, the tables it lists and
 * the logs it replays. A stop during a compaction leaves the compaction's unfinished table behind,
 * listed nowhere; LevelDB deletes such a file when it opens, so it is no damage.
 */
export async function verifyLevelFiles(dbDir: string): Promise<{ files: number; bytes: number }> {
  let names: string[]
  try {
    names = await readdir(dbDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 }
    throw error
  }
  let bytes = 0
  let files = 0
  const current = names.includes('CURRENT')
    ? (await readFile(join(dbDir, 'CURRENT'), 'utf8')).trim()
    : undefined
  if (current !== undefined && !/^MANIFEST-\d+$/.test(current)) {
    throw new StoreCorruptionError(dbDir, 'CURRENT', 'manifest', 'does not name a manifest file')
  }
  if (current !== undefined && !names.includes(current)) {
    throw new StoreCorruptionError(dbDir, current, 'manifest', 'is missing (CURRENT names it)')
  }
  const live = current === undefined ? undefined : await liveFilesOf(dbDir, current)
  for (const name of names.sort()) {
    const kind = kindOf(name)
    if (kind === undefined || (live !== undefined && !isLive(name, kind, current!, live))) continue
    const data = await readFile(join(dbDir, name))
    const problem = kind === 'table' ? tableProblem(data) : logProblem(data)
    if (problem !== undefined) throw new StoreCorruptionError(dbDir, name, kind, problem)
    bytes += data.length
    files++
  }
  return { files, bytes }
}

/** What the current manifest says LevelDB reads: its tables, and the logs from which it replays. */
interface LiveFiles {
  readonly tables: ReadonlySet<number>
  readonly logNumber: number
  readonly prevLogNumber: number
}

async function liveFilesOf(dbDir: string, manifest: string): Promise<LiveFiles> {
  const data = await readFile(join(dbDir, manifest))
  try {
    const problem = logProblem(data)
    if (problem !== undefined) throw new FileDamage(problem)
    return liveFiles(data)
  } catch (error) {
    if (error instanceof FileDamage)
      throw new StoreCorruptionError(dbDir, manifest, 'manifest', error.message)
    throw error
  }
}

function isLive(name: string, kind: StoreFileKind, current: string, live: LiveFiles): boolean {
  const number = Number(/\d+/.exec(name)![0])
  if (kind === 'manifest') return name === current
  if (kind === 'table') return live.tables.has(number)
  // LevelDB replays the logs from the manifest's log number on (and the previous one, if named).
  return number >= live.logNumber || number === live.prevLogNumber
}

// Tags of a manifest's version edits (db/version_edit.cc of LevelDB).
const COMPARATOR = 1
const LOG_NUMBER = 2
const NEXT_FILE_NUMBER = 3
const LAST_SEQUENCE = 4
const COMPACT_POINTER = 5
const DELETED_FILE = 6
const NEW_FILE = 7
const PREV_LOG_NUMBER = 9

/** Replays the version edits of a manifest whose checksums passed. */
function liveFiles(manifest: Uint8Array): LiveFiles {
  const tables = new Set<number>()
  let logNumber = 0
  let prevLogNumber = 0
  for (const record of logRecords(manifest)) {
    const reader = { bytes: record, pos: 0 }
    const skipSlice = () => {
      const length = readVarint(reader)
      reader.pos += length
    }
    while (reader.pos < record.length) {
      const tag = readVarint(reader)
      if (tag === COMPARATOR) skipSlice()
      else if (tag === LOG_NUMBER) logNumber = readVarint(reader)
      else if (tag === NEXT_FILE_NUMBER || tag === LAST_SEQUENCE) readVarint(reader)
      else if (tag === COMPACT_POINTER) {
        readVarint(reader)
        skipSlice()
      } else if (tag === DELETED_FILE) {
        readVarint(reader)
        tables.delete(readVarint(reader))
      } else if (tag === NEW_FILE) {
        readVarint(reader)
        tables.add(readVarint(reader))
        readVarint(reader) // file size
        skipSlice() // smallest key
        skipSlice() // largest key
      } else if (tag === PREV_LOG_NUMBER) prevLogNumber = readVarint(reader)
      else throw new FileDamage(`holds a version edit with unknown tag ${tag}`)
    }
    if (reader.pos !== record.length) throw new FileDamage('holds a version edit that runs past its record')
  }
  return { tables, logNumber, prevLogNumber }
}

function kindOf(name: string): StoreFileKind | undefined {
  if (/^\d+\.log$/.test(name)) return 'log'
  if (/^\d+\.(ldb|sst)$/.test(name)) return 'table'
  if (/^MANIFEST-\d+$/.test(name)) return 'manifest'
  return undefined
}

// ---- log files (write-ahead log and manifest) ----------------------------------------------------

const LOG_BLOCK = 32768
const LOG_HEADER = 7
// Record types: a whole record, or the first, a middle and the last fragment of one.
const FULL = 1
const FIRST = 2
const LAST = 4

/**
 * Why a log file fails, or `undefined`. LevelDB silently drops a last record that claims more bytes
 * than the file holds; a torn write at a power cut leaves that, but so does one flipped bit in the
 * length of the newest record, so it counts as damage here (writes are not synced, so a power cut
 * may lose whole records anyway, and those leave no trace at all).
 */
function logProblem(data: Uint8Array): string | undefined {
  try {
    for (const { pos, type, body, stored } of logFragments(data)) {
      if (maskedCrc32c(type, body) !== stored) return `fails its checksum in the record at byte ${pos}`
    }
    return undefined
  } catch (error) {
    if (error instanceof FileDamage) return error.message
    throw error
  }
}

/** The records of a log file whose checksums passed, their fragments joined. */
function logRecords(data: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = []
  let parts: Uint8Array[] = []
  for (const { type, body } of logFragments(data)) {
    if (type[0] === FULL || type[0] === FIRST) parts = []
    parts.push(body)
    if (type[0] === FULL || type[0] === LAST) records.push(Buffer.concat(parts))
  }
  return records
}

/** Every fragment of a log file as written, checksum not yet compared; throws on broken framing. */
function* logFragments(
  data: Uint8Array,
): Generator<{ pos: number; type: Uint8Array; body: Uint8Array; stored: number }> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  for (let block = 0; block < data.length; block += LOG_BLOCK) {
    const end = Math.min(block + LOG_BLOCK, data.length)
    let pos = block
    while (pos + LOG_HEADER <= end) {
      const stored = view.getUint32(pos, true)
      const length = view.getUint16(pos + 4, true)
      const type = data[pos + 6]!
      // Zeros are what LevelDB's preallocating writer leaves: the rest of the block is empty.
      if (type === 0 && length === 0) break
      if (type > LAST) throw new FileDamage(`holds a record of unknown type ${type} at byte ${pos}`)
      const bodyEnd = pos + LOG_HEADER + length
      if (bodyEnd > end) {
        throw new FileDamage(
          end === data.length
            ? `ends in an incomplete record at byte ${pos} (a write cut off by a power failure, or a damaged length)`
            : `holds a record at byte ${pos} whose length runs past its block`,
        )
      }
      yield {
        pos,
        type: data.subarray(pos + 6, pos + 7),
        body: data.subarray(pos + LOG_HEADER, bodyEnd),
        stored,
      }
      pos = bodyEnd
    }
  }
}

// ---- table files ---------------------------------------------------------------------------------

const FOOTER = 48
const BLOCK_TRAILER = 5
const MAGIC_LOW = 0x8b80fb57
const MAGIC_HIGH = 0xdb477524

interface BlockHandle {
  readonly offset: number
  readonly size: number
}

/**
 * Why a table file fails, or `undefined`: the footer's magic number, the checksum of every block
 * (data, filter, meta index, index), and that the blocks tile the file without gaps or overlaps.
 */
function tableProblem(data: Uint8Array): string | undefined {
  try {
    if (data.length < FOOTER) throw new FileDamage('is shorter than a table footer')
    const footer = data.subarray(data.length - FOOTER)
    const view = new DataView(footer.buffer, footer.byteOffset, FOOTER)
    if (view.getUint32(40, true) !== MAGIC_LOW || view.getUint32(44, true) !== MAGIC_HIGH) {
      throw new FileDamage('has no table magic number in its footer')
    }
    const reader = { bytes: footer, pos: 0 }
    const metaindex = readHandle(reader)
    const index = readHandle(reader)
    const blocks: BlockHandle[] = [metaindex, index]
    for (const handle of blockHandlesIn(readBlock(data, index))) blocks.push(handle)
    for (const handle of blockHandlesIn(readBlock(data, metaindex))) blocks.push(handle)
    // Data and filter blocks: their checksums only, no need to decompress them.
    for (const handle of blocks.slice(2)) checkBlock(data, handle)
    checkTiling(blocks, data.length - FOOTER)
    return undefined
  } catch (error) {
    if (error instanceof FileDamage) return error.message
    throw error
  }
}

/** A block's contents after checking its checksum; decompressed if stored with Snappy. */
function readBlock(data: Uint8Array, handle: BlockHandle): Uint8Array {
  const { contents, type } = checkBlock(data, handle)
  if (type === 0) return contents
  if (type === 1) return snappyDecompress(contents)
  throw new FileDamage(`stores the block at byte ${handle.offset} with unknown compression ${type}`)
}

/** A block's stored contents and compression type, after checking its checksum. */
function checkBlock(data: Uint8Array, handle: BlockHandle): { contents: Uint8Array; type: number } {
  const end = handle.offset + handle.size
  if (end + BLOCK_TRAILER > data.length - FOOTER) {
    throw new FileDamage(`names a block at byte ${handle.offset} that lies outside the file`)
  }
  const contents = data.subarray(handle.offset, end)
  const type = data.subarray(end, end + 1)
  const stored = new DataView(data.buffer, data.byteOffset + end + 1, 4).getUint32(0, true)
  if (maskedCrc32c(contents, type) !== stored) {
    throw new FileDamage(`fails its checksum in the block at byte ${handle.offset}`)
  }
  if (type[0]! > 1) {
    throw new FileDamage(`stores the block at byte ${handle.offset} with unknown compression ${type[0]}`)
  }
  return { contents, type: type[0]! }
}

/** The block handles that are the values of an index or meta index block. */
function blockHandlesIn(block: Uint8Array): BlockHandle[] {
  if (block.length < 4) throw new FileDamage('holds an index block too short for its restart count')
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  const restarts = view.getUint32(block.length - 4, true)
  const entriesEnd = block.length - 4 - 4 * restarts
  if (entriesEnd < 0) throw new FileDamage('holds an index block with an impossible restart count')
  const handles: BlockHandle[] = []
  const reader = { bytes: block.subarray(0, entriesEnd), pos: 0 }
  while (reader.pos < entriesEnd) {
    readVarint(reader) // bytes shared with the previous key
    const unshared = readVarint(reader)
    const valueLength = readVarint(reader)
    reader.pos += unshared
    const valueEnd = reader.pos + valueLength
    if (valueEnd > entriesEnd) throw new FileDamage('holds an index entry that runs past its block')
    handles.push(readHandle({ bytes: reader.bytes.subarray(0, valueEnd), pos: reader.pos }))
    reader.pos = valueEnd
  }
  return handles
}

function checkTiling(blocks: readonly BlockHandle[], footerStart: number): void {
  let expected = 0
  for (const { offset, size } of [...blocks].sort((a, b) => a.offset - b.offset)) {
    if (offset !== expected) throw new FileDamage(`has a gap or overlap between blocks at byte ${expected}`)
    expected = offset + size + BLOCK_TRAILER
  }
  if (expected !== footerStart) throw new FileDamage(`has bytes no block accounts for at byte ${expected}`)
}

interface Reader {
  readonly bytes: Uint8Array
  pos: number
}

function readHandle(reader: Reader): BlockHandle {
  return { offset: readVarint(reader), size: readVarint(reader) }
}

function readVarint(reader: Reader): number {
  let value = 0
  for (let shift = 0; shift < 50; shift += 7) {
    if (reader.pos >= reader.bytes.length) throw new FileDamage('holds a truncated number')
    const byte = reader.bytes[reader.pos++]!
    value += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) return value
  }
  throw new FileDamage('holds an overlong number')
}

/** Snappy's raw format (the only compression LevelDB uses), for index blocks only. */
function snappyDecompress(input: Uint8Array): Uint8Array {
  const reader = { bytes: input, pos: 0 }
  const length = readVarint(reader)
  if (length > 64 * 1024 * 1024) throw new FileDamage('declares an implausibly large compressed block')
  const out = new Uint8Array(length)
  let written = 0
  const bad = () => new FileDamage('holds a compressed block that does not decompress')
  while (reader.pos < input.length) {
    const tag = input[reader.pos++]!
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        len = 0
        for (let i = 0; i < extra; i++) len |= input[reader.pos++]! << (8 * i)
        len >>>= 0
      }
      len += 1
      if (reader.pos + len > input.length || written + len > length) throw bad()
      out.set(input.subarray(reader.pos, reader.pos + len), written)
      reader.pos += len
      written += len
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      len = 4 + ((tag >>> 2) & 7)
      offset = ((tag >>> 5) << 8) | input[reader.pos++]!
    } else if (kind === 2) {
      len = (tag >>> 2) + 1
      offset = input[reader.pos]! | (input[reader.pos + 1]! << 8)
      reader.pos += 2
    } else {
      len = (tag >>> 2) + 1
      offset = new DataView(input.buffer, input.byteOffset + reader.pos, 4).getUint32(0, true)
      reader.pos += 4
    }
    if (offset === 0 || offset > written || written + len > length || reader.pos > input.length) throw bad()
    for (let i = 0; i < len; i++, written++) out[written] = out[written - offset]!
  }
  if (written !== length) throw bad()
  return out
}
