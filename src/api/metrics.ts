import { NEGOTIATION_STATES, TRANSFER_STATES } from '../protocol/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'

/**
 * Where `GET /metrics` reads its figures: plain async getters, each asked once per scrape.
 * Counts by state carry every known state, zeros included, so a series never vanishes.
 */
export interface MetricsSource {
  connectedPeers(): Promise<number>
  admittedPeers(): Promise<number>
  negotiationsByState(): Promise<Readonly<Record<string, number>>>
  agreements(): Promise<number>
  transfersByState(): Promise<Readonly<Record<string, number>>>
  /** Bytes of completed transfers, by this node's role in them. */
  bytesDelivered(): Promise<{ readonly provider: number; readonly consumer: number }>
  /** Entries in the audit log (its head `seq`). */
  auditEntries(): Promise<number>
  uptimeSeconds(): Promise<number>
  residentMemoryBytes(): Promise<number>
  /** Requests refused before their sender was authenticated, by interface and reason. */
  unauthenticatedRefusals?(): Promise<readonly RefusalCount[]>
  /** How the federated cache received other providers' datasets: carried by announcements, or asked for. */
  catalogReceived?(): Promise<Readonly<Record<CatalogReceivedVia, number>>>
  /** Admissions and connections closed over the limit since the node started. */
  connectionChurn?(): Promise<ConnectionChurnCounts>
}

/** How often a node's connections came and went since it started. */
export interface ConnectionChurnCounts {
  /** Handshakes that admitted a peer (each one a credential check on both sides). */
  readonly admissions: number
  /** Connections the mesh closed over the connection limit. */
  readonly trimmed: number
}

/** How the federated cache received other providers' datasets (label `via`). */
export type CatalogReceivedVia = 'announcement' | 'dataset_request' | 'catalog_request' | 'catalog_unchanged'

/** Refusals of unauthenticated requests at one interface for one reason. */
export interface RefusalCount {
  readonly where: string
  readonly reason: string
  readonly total: number
}

/** One scrape's figures, as {@link MetricsSource} gave them. */
export interface MetricsSnapshot {
  readonly connectedPeers: number
  readonly admittedPeers: number
  readonly negotiationsByState: Readonly<Record<string, number>>
  readonly agreements: number
  readonly transfersByState: Readonly<Record<string, number>>
  readonly bytesDelivered: { readonly provider: number; readonly consumer: number }
  readonly auditEntries: number
  readonly uptimeSeconds: number
  readonly residentMemoryBytes: number
  readonly unauthenticatedRefusals: readonly RefusalCount[]
  readonly catalogReceived: Readonly<Record<string, number>>
  readonly connectionChurn: ConnectionChurnCounts
}

/** The services the node's {@link MetricsSource} reads, by the narrow shape it needs of each. */
export interface MetricsComponents {
  peers(): Promise<readonly { readonly connected: boolean; readonly admitted: boolean }[]>
  readonly negotiations: {
    list(): Promise<readonly { readonly state: string }[]>
    listAgreements(): Promise<readonly unknown[]>
  }
  readonly transfers: {
    list(): Promise<readonly { readonly state: string; readonly role: string; readonly bytes?: number }[]>
  }
  readonly audit: { head(): Promise<{ readonly seq: number }> }
  readonly refusals?: { totals(): readonly RefusalCount[] }
  readonly churn?: () => ConnectionChurnCounts
  readonly federation?: {
    federationCounts(): {
      readonly fromAnnouncements: number
      readonly datasetRequests: number
      readonly catalogRequests: number
      readonly unchangedCatalogs: number
    }
  }
}

/** Content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * Counts records by `state`, starting every state of `known` at 0 (states outside `known` are
 * counted too, so a new state shows up rather than disappearing).
 */
export function countByState(
  records: readonly { readonly state: string }[],
  known: readonly string[],
): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(known.map((state) => [state, 0]))
  for (const { state } of records) counts[state] = (counts[state] ?? 0) + 1
  return counts
}

/** The node's {@link MetricsSource} over its peer mesh, negotiations, transfers and audit log. */
export function metricsSource(components: MetricsComponents): MetricsSource {
  return {
    connectedPeers: async () => (await components.peers()).filter((p) => p.connected).length,
    admittedPeers: async () => (await components.peers()).filter((p) => p.admitted).length,
    negotiationsByState: async () => countByState(await components.negotiations.list(), NEGOTIATION_STATES),
    agreements: async () => (await components.negotiations.listAgreements()).length,
    transfersByState: async () => countByState(await components.transfers.list(), TRANSFER_STATES),
    bytesDelivered: async () => {
      const bytes = { provider: 0, consumer: 0 }
      for (const t of await components.transfers.list()) {
        if (t.state !== 'COMPLETED' || t.bytes === undefined) continue
        if (t.role === 'provider' || t.role === 'consumer') bytes[t.role] += t.bytes
      }
      return bytes
    },
    auditEntries: async () => (await components.audit.head()).seq,
    uptimeSeconds: async () => process.uptime(),
    residentMemoryBytes: async () => process.memoryUsage.rss(),
    unauthenticatedRefusals: async () => components.refusals?.totals() ?? [],
    catalogReceived: async () => {
      const counts = components.federation?.federationCounts()
      return {
        announcement: counts?.fromAnnouncements ?? 0,
        dataset_request: counts?.datasetRequests ?? 0,
        catalog_request: counts?.catalogRequests ?? 0,
        catalog_unchanged: counts?.unchangedCatalogs ?? 0,
      }
    },
    connectionChurn: async () => components.churn?.() ?? { admissions: 0, trimmed: 0 },
  }
}

/** Asks every getter of `source` once, concurrently. */
export async function collectMetrics(source: MetricsSource): Promise<MetricsSnapshot> {
  const [
    connectedPeers,
    admittedPeers,
    negotiationsByState,
    agreements,
    transfersByState,
    bytesDelivered,
    auditEntries,
    uptimeSeconds,
    residentMemoryBytes,
    unauthenticatedRefusals,
    catalogReceived,
    connectionChurn,
  ] = await Promise.all([
    source.connectedPeers(),
    source.admittedPeers(),
    source.negotiationsByState(),
    source.agreements(),
    source.transfersByState(),
    source.bytesDelivered(),
    source.auditEntries(),
    source.uptimeSeconds(),
    source.residentMemoryBytes(),
    source.unauthenticatedRefusals?.() ?? [],
    source.catalogReceived?.() ?? {},
    source.connectionChurn?.() ?? { admissions: 0, trimmed: 0 },
  ])
  return {
    connectedPeers,
    admittedPeers,
    negotiationsByState,
    agreements,
    transfersByState,
    bytesDelivered,
    auditEntries,
    uptimeSeconds,
    residentMemoryBytes,
    unauthenticatedRefusals,
    catalogReceived,
    connectionChurn,
  }
}

type MetricType = 'counter' | 'gauge'

interface Family {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly samples: readonly { readonly labels?: Readonly<Record<string, string>>; readonly value: number }[]
}

/** Label values escape `\`, `"` and newline (exposition format 0.0.4). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text escapes `\` and newline. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

function byLabel(label: string, counts: Readonly<Record<string, number>>): Family['samples'] {
  return Object.keys(counts)
    .sort()
    .map((key) => ({ labels: { [label]: key }, value: counts[key]! }))
}

/**
 * Renders a snapshot in the Prometheus text exposition format 0.0.4: per family a `# HELP` and
 * `# TYPE` line, then its samples; names `allmende_<area>_<thing>`, counters ending `_total`.
 *
 * @example
 * ```ts
 * ctx.type = PROMETHEUS_CONTENT_TYPE
 * ctx.body = renderMetrics(await collectMetrics(source))
 * ```
 */
export function renderMetrics(snapshot: MetricsSnapshot): string {
  const families: Family[] = [
    {
      name: 'allmende_p2p_peers_connected',
      help: 'Peers with an open libp2p connection.',
      type: 'gauge',
      samples: [{ value: snapshot.connectedPeers }],
    },
    {
      name: 'allmende_p2p_peers_admitted',
      help: 'Peers admitted to the data space.',
      type: 'gauge',
      samples: [{ value: snapshot.admittedPeers }],
    },
    {
      name: 'allmende_p2p_admissions_total',
      help: 'Admission handshakes that admitted a peer since the node started (each a credential check on both sides).',
      type: 'counter',
      samples: [{ value: snapshot.connectionChurn.admissions }],
    },
    {
      name: 'allmende_p2p_connections_trimmed_total',
      help: 'Connections to members closed over the connection limit since the node started.',
      type: 'counter',
      samples: [{ value: snapshot.connectionChurn.trimmed }],
    },
    {
      name: 'allmende_contract_negotiations',
      help: 'Contract negotiations kept by this node, by DSP state.',
      type: 'gauge',
      samples: byLabel('state', snapshot.negotiationsByState),
    },
    {
      name: 'allmende_contract_agreements_total',
      help: 'Contract agreements concluded by this node.',
      type: 'counter',
      samples: [{ value: snapshot.agreements }],
    },
    {
      name: 'allmende_transfer_processes',
      help: 'Transfer processes kept by this node, by DSP state.',
      type: 'gauge',
      samples: byLabel('state', snapshot.transfersByState),
    },
    {
      name: 'allmende_transfer_delivered_bytes_total',
      help: 'Bytes of completed transfers, by the role of this node.',
      type: 'counter',
      samples: byLabel('role', snapshot.bytesDelivered),
    },
    {
      name: 'allmende_audit_entries_total',
      help: 'Entries in the audit log.',
      type: 'counter',
      samples: [{ value: snapshot.auditEntries }],
    },
    {
      name: 'allmende_unauthenticated_refusals_total',
      help: 'Requests refused before their sender was authenticated (not audited), by interface and reason.',
      type: 'counter',
      samples: [...snapshot.unauthenticatedRefusals]
        .sort((a, b) => ordinalCompare(`${a.where} ${a.reason}`, `${b.where} ${b.reason}`))
        .map(({ where, reason, total }) => ({ labels: { interface: where, reason }, value: total })),
    },
    {
      name: 'allmende_catalog_received_total',
      help: "How the federated catalog learnt of other providers' datasets: carried by the announcement of their change, asked for one by one, in whole catalogs, or a catalog asked for that its provider answered unchanged.",
      type: 'counter',
      samples: byLabel('via', snapshot.catalogReceived),
    },
    {
      name: 'allmende_process_uptime_seconds',
      help: 'Seconds since the node process started.',
      type: 'gauge',
      samples: [{ value: snapshot.uptimeSeconds }],
    },
    {
      name: 'allmende_process_resident_memory_bytes',
      help: 'Resident set size of the node process.',
      type: 'gauge',
      samples: [{ value: snapshot.residentMemoryBytes }],
    },
  ]
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {})
        .map(([key, value]) => `${key}="${escapeLabelValue(value)}"`)
        .join(',')
      lines.push(`${family.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}
