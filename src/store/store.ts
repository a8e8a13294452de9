import type { AbstractSublevel } from 'abstract-level'
import { Level } from 'level'

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

  static async open(location: string): Promise<Store> {
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' })
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
