/** Kinds of server-sent event the node emits (`GET /api/v1/events`). */
export type LiveKind = 'peer' | 'catalog' | 'negotiation' | 'agreement' | 'transfer' | 'audit' | 'dataspace'

type Listener = (kind: LiveKind, data: Record<string, unknown>) => void

const KINDS: readonly LiveKind[] = [
  'peer',
  'catalog',
  'negotiation',
  'agreement',
  'transfer',
  'audit',
  'dataspace',
]
const listeners = new Set<{ kinds: ReadonlySet<LiveKind>; listener: Listener }>()
let source: EventSource | undefined

/** Opens the event stream once; `onState` hears whether it is connected. */
export function connectLive(onState: (connected: boolean) => void): void {
  if (source !== undefined) return
  source = new EventSource('/api/v1/events')
  source.onopen = () => onState(true)
  source.onerror = () => onState(false)
  for (const kind of KINDS) {
    source.addEventListener(kind, (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>
      for (const l of listeners) if (l.kinds.has(kind)) l.listener(kind, data)
    })
  }
}

/**
 * Calls `listener` on events of the given kinds, at most once per `delayMs` (a burst of audit
 * entries becomes one refresh). Returns the function that stops listening.
 */
export function onLive(kinds: readonly LiveKind[], listener: Listener, delayMs = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let last: [LiveKind, Record<string, unknown>] | undefined
  const entry = {
    kinds: new Set(kinds),
    listener: (kind: LiveKind, data: Record<string, unknown>) => {
      last = [kind, data]
      if (timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        if (last !== undefined) listener(...last)
      }, delayMs)
    },
  }
  listeners.add(entry)
  return () => {
    listeners.delete(entry)
    if (timer !== undefined) clearTimeout(timer)
  }
}
