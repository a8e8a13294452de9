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
  private readonly watchers = new Set<(listening: boolean) => void>()

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener)
    if (this.listeners.size === 1) this.tell(true)
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.tell(false)
    }
  }

  /**
   * Calls `watcher` with true when the first listener arrives and with false when the last one leaves: a
   * source that has to look for changes looks only while someone listens. Returns the function that stops it.
   */
  onListening(watcher: (listening: boolean) => void): () => void {
    this.watchers.add(watcher)
    return () => this.watchers.delete(watcher)
  }

  private tell(listening: boolean): void {
    for (const watcher of this.watchers) watcher(listening)
  }

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  get size(): number {
    return this.listeners.size
  }
}
