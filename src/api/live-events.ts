/** Kinds of change the dashboard follows live. */
export type LiveEventType =
  | 'peer'
  | 'catalog'
  | 'negotiation'
  | 'agreement'
  | 'transfer'
  | 'audit'
  | 'dataspace'

/** One change: its kind and a small JSON payload (ids, states, counts; never data). */
export interface LiveEvent {
  readonly type: LiveEventType
  readonly data: Readonly<Record<string, unknown>>
}

/** A fan-out of the node's changes to every open event stream (`GET /api/v1/events`). */
export class LiveEvents {
  private readonly listeners = new Set<(event: LiveEvent) => void>()

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  get size(): number {
    return this.listeners.size
  }
}
