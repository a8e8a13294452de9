import type { AuditLog } from '../audit/index.js'
import type { AllmendeLibp2p } from '../bindings/p2p/index.js'
import type { FederatedCatalogCache } from '../catalog/index.js'
import type { TransferManager } from '../transfer/index.js'
import type { LiveEvents, LiveEventType } from './live-events.js'

/** How often the audit head and running transfers are looked at while someone listens. */
const TICK_MS = 500

export interface LiveSources {
  readonly libp2p: AllmendeLibp2p
  readonly audit: AuditLog
  readonly cache: FederatedCatalogCache
  readonly transfers: TransferManager
}

/** The live event kind of an audit entry type (`negotiation.agreed` → `negotiation`). */
function kindOf(auditType: string): LiveEventType {
  const area = auditType.split('.')[0]
  if (area === 'negotiation' || area === 'agreement' || area === 'transfer' || area === 'catalog') return area
  if (area === 'duty') return 'transfer'
  if (area === 'membership' || area === 'dataspace') return 'dataspace'
  return 'audit'
}

/**
 * Feeds {@link LiveEvents} from the node: peer connections (libp2p events), federated catalog
 * changes (cache), every audit entry (negotiation steps, transfers, duties, catalog, membership: the
 * audit log records each of them) and the byte count of running pulls. Returns the stop function.
 */
export function watchNode(events: LiveEvents, sources: LiveSources): () => void {
  const onPeer = (connected: boolean) => (event: CustomEvent<{ toString(): string }>) =>
    events.publish({ type: 'peer', data: { peerId: event.detail.toString(), connected } })
  const onConnect = onPeer(true)
  const onDisconnect = onPeer(false)
  sources.libp2p.addEventListener('peer:connect', onConnect)
  sources.libp2p.addEventListener('peer:disconnect', onDisconnect)
  const stopCache = sources.cache.onChange(() => events.publish({ type: 'catalog', data: {} }))

  let seen: number | undefined
  let busy = false
  const tick = async () => {
    if (busy) return
    busy = true
    try {
      const head = await sources.audit.head()
      if (seen !== undefined && head.seq > seen) {
        for (const entry of await sources.audit.list({ since: seen, limit: 200 })) {
          const data = { seq: entry.seq, type: entry.type, subject: entry.subject }
          events.publish({ type: kindOf(entry.type), data })
          events.publish({ type: 'audit', data })
        }
      }
      seen = head.seq
      for (const t of await sources.transfers.list()) {
        if (t.state !== 'STARTED') continue
        const received = sources.transfers.received(t.id)
        if (received !== undefined)
          events.publish({ type: 'transfer', data: { id: t.id, state: t.state, received } })
      }
    } finally {
      busy = false
    }
  }
  // Looks only while someone listens: a timer twice a second in every idle node of a data space of a hundred
  // woke each one for nobody. A listener hears of the entries from its first look on, not older ones.
  let timer: NodeJS.Timeout | undefined
  const look = (listening: boolean) => {
    clearInterval(timer)
    timer = undefined
    seen = undefined
    if (!listening) return
    timer = setInterval(() => void tick().catch(() => undefined), TICK_MS)
    timer.unref()
    void tick().catch(() => undefined)
  }
  const stopLooking = events.onListening(look)
  if (events.size > 0) look(true)
  return () => {
    stopLooking()
    clearInterval(timer)
    stopCache()
    sources.libp2p.removeEventListener('peer:connect', onConnect)
    sources.libp2p.removeEventListener('peer:disconnect', onDisconnect)
  }
}
