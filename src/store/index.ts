/**
 * @packageDocumentation
 * The node's `level` database: one sublevel per aggregate, atomic batches across them, a per-key
 * lock, and the outbox that delivers what a batch decided to send.
 *
 * @example
 * ```ts
 * const store = await Store.open(join(dir, 'db'))
 * const negotiations = store.sublevel<Negotiation>('negotiations')
 * await store.atomic([{ type: 'put', sublevel: negotiations, key: id, value: n }, outbox.entryOp(id, peer, message)])
 * ```
 */
export { DUMP_FORMAT, dumpStore, loadDump } from './backup.js'
export { StoreCorruptionError, type StoreFileKind } from './errors.js'
export { KeyedLock } from './keyed-lock.js'
export { verifyLevelFiles } from './level-files.js'
export { Outbox, type OutboxEntry, type OutboxInit } from './outbox.js'
export { type BatchOp, isStoreLocked, Store, type Sublevel } from './store.js'
