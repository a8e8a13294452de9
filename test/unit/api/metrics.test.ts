import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  ApiServer,
  collectMetrics,
  countByState,
  type MetricsSnapshot,
  type MetricsSource,
  metricsRoutes,
  metricsSource,
  renderMetrics,
} from '../../../src/api/index.js'
import { createSilentLogger } from '../../../src/log/index.js'

const snapshot: MetricsSnapshot = {
  connectedPeers: 3,
  admittedPeers: 2,
  negotiationsByState: { REQUESTED: 1, FINALIZED: 4, TERMINATED: 0 },
  agreements: 4,
  transfersByState: { STARTED: 1, COMPLETED: 2 },
  bytesDelivered: { provider: 1048576, consumer: 12 },
  auditEntries: 57,
  uptimeSeconds: 12.5,
  residentMemoryBytes: 73400320,
  unauthenticatedRefusals: [{ where: 'http-data', reason: 'signature', total: 7 }],
  catalogReceived: { announcement: 5, dataset_request: 1, catalog_request: 2 },
  connectionChurn: { admissions: 11, trimmed: 4 },
}

/** `name{label="value",...} number`, per exposition format 0.0.4. */
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|[+-]Inf)$/

describe('renderMetrics(snapshot)', () => {
  it('renders every family with HELP and TYPE, labels sorted by value', () => {
    assert.equal(
      renderMetrics(snapshot),
      [
        '# HELP allmende_p2p_peers_connected Peers with an open libp2p connection.',
        '# TYPE allmende_p2p_peers_connected gauge',
        'allmende_p2p_peers_connected 3',
        '# HELP allmende_p2p_peers_admitted Peers admitted to the data space.',
        '# TYPE allmende_p2p_peers_admitted gauge',
        'allmende_p2p_peers_admitted 2',
        '# HELP allmende_p2p_admissions_total Admission handshakes that admitted a peer since the node started (each a credential check on both sides).',
        '# TYPE allmende_p2p_admissions_total counter',
        'allmende_p2p_admissions_total 11',
        '# HELP allmende_p2p_connections_trimmed_total Connections to members closed over the connection limit since the node started.',
        '# TYPE allmende_p2p_connections_trimmed_total counter',
        'allmende_p2p_connections_trimmed_total 4',
        '# HELP allmende_contract_negotiations Contract negotiations kept by this node, by DSP state.',
        '# TYPE allmende_contract_negotiations gauge',
        'allmende_contract_negotiations{state="FINALIZED"} 4',
        'allmende_contract_negotiations{state="REQUESTED"} 1',
        'allmende_contract_negotiations{state="TERMINATED"} 0',
        '# HELP allmende_contract_agreements_total Contract agreements concluded by this node.',
        '# TYPE allmende_contract_agreements_total counter',
        'allmende_contract_agreements_total 4',
        '# HELP allmende_transfer_processes Transfer processes kept by this node, by DSP state.',
        '# TYPE allmende_transfer_processes gauge',
        'allmende_transfer_processes{state="COMPLETED"} 2',
        'allmende_transfer_processes{state="STARTED"} 1',
        '# HELP allmende_transfer_delivered_bytes_total Bytes of completed transfers, by the role of this node.',
        '# TYPE allmende_transfer_delivered_bytes_total counter',
        'allmende_transfer_delivered_bytes_total{role="consumer"} 12',
        'allmende_transfer_delivered_bytes_total{role="provider"} 1048576',
        '# HELP allmende_audit_entries_total Entries in the audit log.',
        '# TYPE allmende_audit_entries_total counter',
        'allmende_audit_entries_total 57',
        '# HELP allmende_unauthenticated_refusals_total Requests refused before their sender was authenticated (not audited), by interface and reason.',
        '# TYPE allmende_unauthenticated_refusals_total counter',
        'allmende_unauthenticated_refusals_total{interface="http-data",reason="signature"} 7',
        "# HELP allmende_catalog_received_total How the federated catalog learnt of other providers' datasets: carried by the announcement of their change, asked for one by one, in whole catalogs, or a catalog asked for that its provider answered unchanged.",
        '# TYPE allmende_catalog_received_total counter',
        'allmende_catalog_received_total{via="announcement"} 5',
        'allmende_catalog_received_total{via="catalog_request"} 2',
        'allmende_catalog_received_total{via="dataset_request"} 1',
        '# HELP allmende_process_uptime_seconds Seconds since the node process started.',
        '# TYPE allmende_process_uptime_seconds gauge',
        'allmende_process_uptime_seconds 12.5',
        '# HELP allmende_process_resident_memory_bytes Resident set size of the node process.',
        '# TYPE allmende_process_resident_memory_bytes gauge',
        'allmende_process_resident_memory_bytes 73400320',
        '',
      ].join('\n'),
    )
  })

  it('keeps the exposition grammar: HELP, then TYPE, then samples of that family only', () => {
    const lines = renderMetrics(snapshot).split('\n')
    assert.equal(lines.pop(), '', 'text ends with a newline')
    let family: string | undefined
    let type: string | undefined
    const seen = new Set<string>()
    for (const line of lines) {
      const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/.exec(line)
      if (help !== null) {
        assert.ok(!seen.has(help[1]!), `family ${help[1]} appears twice`)
        seen.add(help[1]!)
        family = help[1]
        type = undefined
        continue
      }
      const declared = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line)
      if (declared !== null) {
        assert.equal(declared[1], family, 'TYPE follows the HELP of its family')
        type = declared[2]
        continue
      }
      const sample = SAMPLE.exec(line)
      assert.ok(sample !== null, `not a sample line: ${line}`)
      assert.equal(sample[1], family)
      assert.ok(type !== undefined, `${line} before its TYPE`)
      assert.match(sample[1]!, /^allmende_[a-z0-9]+_[a-z0-9_]+$/)
      assert.equal(sample[1]!.endsWith('_total'), type === 'counter', `${sample[1]} is a ${type}`)
    }
    assert.equal(seen.size, 13)
  })

  it('escapes label values and renders non-finite values', () => {
    const text = renderMetrics({
      ...snapshot,
      negotiationsByState: { 'a"b\\c\nd': 1 },
      uptimeSeconds: Number.NaN,
      residentMemoryBytes: Number.POSITIVE_INFINITY,
    })
    assert.ok(text.includes('allmende_contract_negotiations{state="a\\"b\\\\c\\nd"} 1\n'))
    assert.ok(text.includes('allmende_process_uptime_seconds NaN\n'))
    assert.ok(text.includes('allmende_process_resident_memory_bytes +Inf\n'))
    for (const line of text.trimEnd().split('\n')) {
      if (!line.startsWith('#')) assert.match(line, SAMPLE)
    }
  })
})

describe('countByState(records, known)', () => {
  it('starts every known state at 0 and counts unknown ones too', () => {
    assert.deepEqual(
      countByState([{ state: 'STARTED' }, { state: 'STARTED' }, { state: 'ODD' }], ['REQUESTED', 'STARTED']),
      { REQUESTED: 0, STARTED: 2, ODD: 1 },
    )
  })
})

describe('metricsSource(components)', () => {
  const source = metricsSource({
    peers: async () => [
      { connected: true, admitted: true },
      { connected: true, admitted: false },
      { connected: false, admitted: true },
      { connected: false, admitted: false },
    ],
    negotiations: {
      list: async () => [{ state: 'FINALIZED' }, { state: 'FINALIZED' }, { state: 'REQUESTED' }],
      listAgreements: async () => [{ id: 'a1' }, { id: 'a2' }],
    },
    transfers: {
      list: async () => [
        { state: 'COMPLETED', role: 'provider', bytes: 100 },
        { state: 'COMPLETED', role: 'provider', bytes: 50 },
        { state: 'COMPLETED', role: 'consumer', bytes: 7 },
        { state: 'STARTED', role: 'consumer', bytes: 1000 },
        { state: 'TERMINATED', role: 'provider' },
      ],
    },
    audit: { head: async () => ({ seq: 42 }) },
    federation: {
      federationCounts: () => ({
        fromAnnouncements: 9,
        datasetRequests: 2,
        catalogRequests: 1,
        unchangedCatalogs: 4,
      }),
    },
    churn: () => ({ admissions: 6, trimmed: 1 }),
  })

  it('counts peers, states, agreements, completed bytes by role, audit entries and datasets received', async () => {
    const s = await collectMetrics(source)
    assert.equal(s.connectedPeers, 2)
    assert.equal(s.admittedPeers, 2)
    assert.deepEqual(s.negotiationsByState, {
      REQUESTED: 1,
      OFFERED: 0,
      ACCEPTED: 0,
      AGREED: 0,
      VERIFIED: 0,
      FINALIZED: 2,
      TERMINATED: 0,
    })
    assert.equal(s.agreements, 2)
    assert.deepEqual(s.transfersByState, {
      REQUESTED: 0,
      STARTED: 1,
      SUSPENDED: 0,
      COMPLETED: 3,
      TERMINATED: 1,
    })
    assert.deepEqual(s.bytesDelivered, { provider: 150, consumer: 7 })
    assert.equal(s.auditEntries, 42)
    assert.deepEqual(s.catalogReceived, {
      announcement: 9,
      dataset_request: 2,
      catalog_request: 1,
      catalog_unchanged: 4,
    })
    assert.deepEqual(s.connectionChurn, { admissions: 6, trimmed: 1 })
    assert.ok(s.uptimeSeconds > 0)
    assert.ok(s.residentMemoryBytes > 1024 * 1024)
  })
})

describe('metricsRoutes: GET /metrics', () => {
  const token = 'metrics-test-token'
  let api: ApiServer
  let url: string
  const fixed: MetricsSource = {
    connectedPeers: async () => snapshot.connectedPeers,
    admittedPeers: async () => snapshot.admittedPeers,
    negotiationsByState: async () => snapshot.negotiationsByState,
    agreements: async () => snapshot.agreements,
    transfersByState: async () => snapshot.transfersByState,
    bytesDelivered: async () => snapshot.bytesDelivered,
    auditEntries: async () => snapshot.auditEntries,
    uptimeSeconds: async () => snapshot.uptimeSeconds,
    residentMemoryBytes: async () => snapshot.residentMemoryBytes,
    unauthenticatedRefusals: async () => snapshot.unauthenticatedRefusals,
    catalogReceived: async () => snapshot.catalogReceived,
    connectionChurn: async () => snapshot.connectionChurn,
  }

  before(async () => {
    api = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token,
      routes: [(router) => metricsRoutes(router, fixed)],
    })
    url = await api.start()
  })
  after(async () => {
    await api.stop()
  })

  it('answers the token holder with the text exposition format 0.0.4', async () => {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    assert.equal(await res.text(), renderMetrics(snapshot))
  })

  it('refuses a scraper without the token', async () => {
    const res = await fetch(`${url}/metrics`)
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ALLMENDE_UNAUTHORIZED')
  })
})
