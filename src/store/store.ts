import type { AbstractSublevel } from 'abstract-level'
import { Level } from 'level'
import { StoreCorruptionError } from './errors.js'
import { verifyLevelFiles } from './level-files.js'

/** LevelDB's memtable: filled by writes, written out as a table file when full. */
const STORE_WRITE_BUFFER_BYTES = 1024 * 1024
/** LevelDB's cache of uncompressed table blocks; the operating system caches the files besides. */
const STORE_BLOCK_CACHE_BYTES = 2 * 1024 * 1024

/** A JSON-valued sublevel: one per aggregate (negotiations, agreements, audit, ...). */
export type Sublevel<V = unknown> = AbstractSublevel<
  Level<string, unknown>,
  string | Buffer | Uint8Array,
  string,
  V
>

// Sublevels are invariant in their value type; a batch mixes several, so it takes any of them.
// biome-ignore lint/suspicious/noExplicitAny: the value type of each op is checked where the op is built
type AnySublevel = Sublevel<any>

/** One write of an atomic batch; `sublevel` names the aggregate it belongs to. */
export type BatchOp =
  | { type: 'put'; sublevel: AnySublevel; key: string; value: unknown }
  | { type: 'del'; sublevel: AnySublevel; key: string }

/**
 * The node's database: one `level` database per node directory, one JSON sublevel per aggregate.
 * State transitions and their audit entries go through {@link Store.atomic} together, so a crash
 * (even `kill -9`) leaves either both or neither.
 */
export class Store {
  readonly db: Level<string, unknown>
  private readonly sublevels = new Map<string, AnySublevel>()

  private constructor(db: Level<string, unknown>) {
    this.db = db
  }

  /**
   * Opens the database after checking every checksum in its files; throws
   * {@link StoreCorruptionError} naming the damaged file rather than open a damaged store.
   */
  static async open(location: string): Promise<Store> {
    try {
      await verifyLevelFiles(location)
    } catch (error) {
      // A running node may be writing a table right now: then say it runs, not that it is damaged.
      if (error instanceof StoreCorruptionError) await throwIfLocked(location)
      throw error
    }
    const db = new Level<string, unknown>(location, {
      valueEncoding: 'json',
      // LevelDB's defaults (a 4 MiB write buffer, an 8 MiB block cache) are sized for a database server: a node's
      // writes are small and its reads few. 6,000 writes of 2 KB and three reads of them all left 2.4 MiB less
      // resident with these sizes.
      writeBufferSize: STORE_WRITE_BUFFER_BYTES,
      cacheSize: STORE_BLOCK_CACHE_BYTES,
    })
    await db.open()
    return new Store(db)
  }

  /** The sublevel of one aggregate; the same name always yields the same instance. */
  sublevel<V>(name: string): Sublevel<V> {
    let sub: Sublevel<V> | undefined = this.sublevels.get(name)
    if (sub === undefined) {
      sub = this.db.sublevel<string, V>(name, { valueEncoding: 'json' })
      this.sublevels.set(name, sub)
    }
    return sub
  }

  /** Writes all ops, across sublevels, in one atomic batch. */
  async atomic(ops: readonly BatchOp[]): Promise<void> {
    if (ops.length === 0) return
    await this.db.batch(ops.map((op) => ({ ...op })) as never)
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}

/** Whether another process (a running node) holds the database; the probe changes nothing. */
export async function isStoreLocked(location: string): Promise<boolean> {
  try {
    await throwIfLocked(location)
    return false
  } catch {
    return true
  }
}

/**
 * Throws LevelDB's own "locked" error if another process holds the database. The probe takes the
 * lock and fails before recovery touches a file (`errorIfExists`), so it changes nothing.
 */
async function throwIfLocked(location: string): Promise<void> {
  const probe = new Level(location, { createIfMissing: false, errorIfExists: true })
  try {
    await probe.open()
    await probe.close()
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw error
  }
}
