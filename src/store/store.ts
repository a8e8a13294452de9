import { Level } from 'level'

/** A JSON-valued sublevel: one per aggregate (negotiations, agreements, audit, ...). */
export type Sublevel<V = unknown> = ReturnType<Level<string, unknown>['sublevel']> & {
  get(key: string): Promise<V | undefined>
}

/** One write of an atomic batch; `sublevel` names the aggregate it belongs to. */
export type BatchOp =
  | { type: 'put'; sublevel: Sublevel<unknown>; key: string; value: unknown }
  | { type: 'del'; sublevel: Sublevel<unknown>; key: string }

/**
 * The node's database: one `level` database per node directory, one JSON sublevel per aggregate.
 * State transitions and their audit entries go through {@link Store.atomic} together, so a crash
 * (even `kill -9`) leaves either both or neither.
 */
export class Store {
  readonly db: Level<string, unknown>
  private readonly sublevels = new Map<string, Sublevel<unknown>>()

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
    let sub = this.sublevels.get(name)
    if (sub === undefined) {
      sub = this.db.sublevel<string, V>(name, { valueEncoding: 'json' }) as unknown as Sublevel<V>
      this.sublevels.set(name, sub)
    }
    return sub as Sublevel<V>
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
