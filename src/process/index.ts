/**
 * @packageDocumentation
 * The process skeleton negotiations, transfers and duties share: a record per process, a lock per
 * process, each step stored with its audit entry and outgoing messages in one batch, an outbox that
 * delivers them and re-delivers after a restart, and waiting for a state.
 *
 * @example
 * ```ts
 * const processes = new ProcessStore<Negotiation, NegotiationRoute>({ store, audit, log, label: 'negotiation', ... })
 * await processes.withLock(id, () => processes.commit(next, 'negotiation.agreed', [processes.message(id, peer, msg)]))
 * ```
 */

export {
  lastReason,
  type ProcessRoute,
  type ProcessStep,
  routeOf,
  type SteppedRecord,
  withStep,
} from './process-steps.js'
export { type DeliveryInit, type OpeningWait, ProcessStore, type ProcessStoreInit } from './process-store.js'
