import { createInterface } from 'node:readline'
import { Level } from 'level'
import { InvalidInputError } from '../protocol/errors.js'
import type { Store } from './store.js'

/** The first line of a database dump; names the format so a restore knows what it reads. */
export const DUMP_FORMAT = 'allmende-db-dump/1'

/**
 * The whole database as NDJSON lines: a header, then one `{"k","v"}` line per record (raw bytes,
 * base64), in key order. One iterator reads it, and a LevelDB iterator reads one snapshot: the dump
 * is the state at one instant although the node keeps writing (nothing waits for it).
 */
export async function* dumpStore(store: Store): AsyncGenerator<string> {
  yield `${JSON.stringify({ format: DUMP_FORMAT })}\n`
  const iterator = store.db.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' }) as AsyncIterable<
    [Buffer, Buffer]
  >
  for await (const [key, value] of iterator) {
    yield `${JSON.stringify({ k: key.toString('base64'), v: value.toString('base64') })}\n`
  }
}

/**
 * Writes a dump (the bytes {@link dumpStore} produced) into a new database at `dbDir`, which must not
 * exist yet, and returns the number of records. Refuses a dump that is not one, or a line that does
 * not parse; the caller swaps the new database in only when this succeeded.
 */
export async function loadDump(dbDir: string, input: NodeJS.ReadableStream): Promise<number> {
  const db = new Level<Buffer, Buffer>(dbDir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    errorIfExists: true,
  })
  await db.open()
  // Lines are read only now: a line interface made earlier would emit lines before anyone listens.
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let count = 0
  let header = false
  let batch = db.batch()
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue
      const parsed = JSON.parse(line) as { format?: unknown; k?: unknown; v?: unknown }
      if (!header) {
        if (parsed.format !== DUMP_FORMAT)
          throw new InvalidInputError(`not an Allmende database dump (${DUMP_FORMAT})`)
        header = true
        continue
      }
      if (typeof parsed.k !== 'string' || typeof parsed.v !== 'string') {
        throw new InvalidInputError(`line ${count + 2} of the dump is not a record`)
      }
      batch.put(Buffer.from(parsed.k, 'base64'), Buffer.from(parsed.v, 'base64'))
      if (++count % 1000 === 0) {
        await batch.write()
        batch = db.batch()
      }
    }
    if (!header) throw new InvalidInputError('the dump is empty')
    await batch.write()
  } finally {
    await db.close()
  }
  return count
}
