/**
 * @packageDocumentation
 * The node's `level` database: one sublevel per aggregate, atomic batches across them.
 *
 * @example
 * ```ts
 * const store = await Store.open(join(dir, 'db'))
 * const negotiations = store.sublevel<Negotiation>('negotiations')
 * await store.atomic([{ type: 'put', sublevel: negotiations, key: id, value: n }, auditOp])
 * ```
 */
export { type BatchOp, Store, type Sublevel } from './store.js'
