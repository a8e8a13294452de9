import assert from 'node:assert/strict'
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { Store, StoreCorruptionError, verifyLevelFiles } from '../../src/store/index.js'
import { tempDir } from '../support/temp-dir.js'

const RECORDS = 300

/** Writes RECORDS records into a fresh store; `compact` reopens it once so the log becomes a table. */
async function seed(dir: string, compact: boolean): Promise<void> {
  const store = await Store.open(dir)
  const sub = store.sublevel<{ n: number; text: string }>('datasets')
  await store.atomic(
    Array.from({ length: RECORDS }, (_, n) => ({
      type: 'put' as const,
      sublevel: sub,
      key: `k${String(n).padStart(4, '0')}`,
      value: { n, text: `Pegel Altenglan Messwert ${n} `.repeat(3) },
    })),
  )
  await store.close()
  if (compact) await (await Store.open(dir)).close()
}

async function contents(dir: string): Promise<[string, unknown][]> {
  const store = await Store.open(dir)
  try {
    return await store.sublevel('datasets').iterator().all()
  } finally {
    await store.close()
  }
}

async function fileOf(dir: string, pattern: RegExp): Promise<string> {
  const name = (await readdir(dir)).find((n) => pattern.test(n))
  assert.ok(name !== undefined, `no file matching ${pattern} in ${dir}`)
  return name
}

async function flip(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path)
  bytes[offset] = bytes[offset]! ^ 0x10
  await writeFile(path, bytes)
}

describe('store integrity: every LevelDB checksum is checked before the store opens', () => {
  let root: string
  let walDb: string
  let tableDb: string
  let expected: [string, unknown][]
  let n = 0
  const copyOf = async (dir: string) => {
    const copy = join(root, `copy-${++n}`)
    await cp(dir, copy, { recursive: true })
    return copy
  }

  before(async () => {
    root = await tempDir('allmende-checksums-')
    walDb = join(root, 'wal')
    tableDb = join(root, 'table')
    await seed(walDb, false)
    await seed(tableDb, true)
    expected = await contents(await copyOf(tableDb))
    assert.equal(expected.length, RECORDS)
  })

  it('a byte flipped in the write-ahead log refuses the open, naming the log and how to restore', async () => {
    const dir = await copyOf(walDb)
    const log = await fileOf(dir, /^\d+\.log$/)
    const size = (await readFile(join(dir, log))).length
    await flip(join(dir, log), Math.floor(size / 2))
    await assert.rejects(Store.open(dir), (error: unknown) => {
      assert.ok(error instanceof StoreCorruptionError)
      assert.equal(error.code, 'ALLMENDE_STORE_CORRUPT')
      assert.equal(error.kind, 'log')
      assert.equal(error.file, log)
      assert.match(error.message, /write-ahead log/)
      assert.match(error.message, /allmende restore --from/)
      return true
    })
    // Refusing changed nothing: the damaged log is still there for a forensic look.
    assert.ok((await readdir(dir)).includes(log))
  })

  it('a byte flipped in a table file refuses the open, naming the table', async () => {
    const dir = await copyOf(tableDb)
    const table = await fileOf(dir, /^\d+\.ldb$/)
    await flip(join(dir, table), 100)
    await assert.rejects(Store.open(dir), (error: unknown) => {
      assert.ok(error instanceof StoreCorruptionError)
      assert.equal(error.kind, 'table')
      assert.equal(error.file, table)
      return true
    })
  })

  it('no single flipped byte, anywhere in the log or a table, silently drops or alters a record', async () => {
    for (const [source, pattern] of [
      [walDb, /^\d+\.log$/],
      [tableDb, /^\d+\.ldb$/],
      [tableDb, /^MANIFEST-\d+$/],
    ] as const) {
      const name = await fileOf(source, pattern)
      const size = (await readFile(join(source, name))).length
      const step = Math.max(1, Math.floor(size / 25))
      for (let offset = 0; offset < size; offset += step) {
        const dir = await copyOf(source)
        await flip(join(dir, name), offset)
        const detected = await verifyLevelFiles(dir).then(
          () => false,
          (error: unknown) => error instanceof StoreCorruptionError,
        )
        // Bytes no checksum covers (a table footer's padding) may pass: then nothing changed, or
        // LevelDB itself refuses to open; never may records go missing or differ.
        if (!detected) {
          const opened = await contents(dir).catch((error: unknown) => error as Error)
          if (!(opened instanceof Error)) assert.deepEqual(opened, expected, `${name} byte ${offset}`)
        }
        await rm(dir, { recursive: true, force: true })
      }
    }
  })

  it('an unfinished table a stopped compaction left behind, listed in no manifest, does not refuse the open', async () => {
    const dir = await copyOf(tableDb)
    const table = await fileOf(dir, /^\d+\.ldb$/)
    const bytes = await readFile(join(dir, table))
    const numbers = (await readdir(dir)).map((n) => Number(/\d+/.exec(n)?.[0] ?? 0))
    const leftover = `${String(Math.max(...numbers) + 1).padStart(6, '0')}.ldb`
    // What LevelDB leaves when it is closed while a compaction writes its output: a table without its footer.
    await writeFile(join(dir, leftover), bytes.subarray(0, Math.floor(bytes.length / 2)))
    assert.deepEqual(await contents(dir), expected)
  })

  it('an undamaged store opens with every record, and a running store is reported as locked', async () => {
    const dir = await copyOf(tableDb)
    assert.deepEqual(await contents(dir), expected)
    const running = await Store.open(dir)
    try {
      await assert.rejects(Store.open(dir), (error: unknown) => {
        assert.equal((error as { cause?: { code?: string } }).cause?.code, 'LEVEL_LOCKED')
        return true
      })
    } finally {
      await running.close()
    }
  })
})
