import { join } from 'node:path'
import type { NodeClient } from '../api/index.js'
import { fillTemplate, findTemplate } from '../policy/index.js'
import { apiOf, type DemoNode, readExampleData } from './demo-dataspace.js'
import { type NgsiLdServer, startNgsiLdServer } from './ngsi-ld-server.js'
import { type SensorThingsServer, startSensorThingsServer } from './sensorthings-server.js'

/** Fixed ports, so the sources stored with the demo's datasets stay valid across runs. */
const SENSORTHINGS_PORT = 47111
const NGSI_LD_PORT = 47112

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const ENVIRONMENT = 'http://publications.europa.eu/resource/authority/data-theme/ENVI'
const TRANSPORT = 'http://publications.europa.eu/resource/authority/data-theme/TRAN'
const LICENSE = 'http://dcat-ap.de/def/licenses/dl-by-de/2.0'

/** The municipalities' own data services the demo stands in for. */
export interface DemoSources {
  readonly sensorThings: SensorThingsServer
  readonly ngsiLd: NgsiLdServer
  close(): Promise<void>
}

/** Serves the example water levels (SensorThings) and traffic counts (NGSI-LD) on 127.0.0.1. */
export async function startDemoSources(): Promise<DemoSources> {
  const observations = (await readExampleData('glan-pegel-observations.json')) as never
  const entities = (await readExampleData('glan-pegel-metadata.json')) as never
  const sensorThings = await startSensorThingsServer({
    observations,
    entities,
    pageSize: 200,
    port: SENSORTHINGS_PORT,
  })
  const ngsiLd = await startNgsiLdServer({
    entities: (await readExampleData('traffic-flow-kusel.json')) as never,
    port: NGSI_LD_PORT,
  })
  return {
    sensorThings,
    ngsiLd,
    close: async () => {
      await Promise.all([sensorThings.close(), ngsiLd.close()])
    },
  }
}

interface Published {
  id: string
  title: string
}

/** Publishes a dataset unless the node already has one with this title (a second run reuses it). */
async function publishOnce(
  node: DemoNode,
  input: {
    title: string
    source: Record<string, unknown>
    offer: Record<string, unknown>
    meta: Record<string, unknown>
  },
): Promise<Published> {
  const api = await apiOf(node)
  const { datasets } = await api.get<{ datasets: Published[] }>('/api/v1/datasets')
  const found = datasets.find((d) => d.title === input.title)
  if (found !== undefined) return found
  const identity = node.connector.identity()
  const added = await api.post<{ dataset: Published }>('/api/v1/datasets', {
    ...input.meta,
    title: input.title,
    publisher: { name: identity.name, id: identity.did },
    source: input.source,
    offers: [{ offer: input.offer, access: { kind: 'members' } }],
  })
  return added.dataset
}

/** Polls a process of the API until it reaches one of `final` states or the time is up. */
async function settled<T extends { state: string }>(
  api: NodeClient,
  path: string,
  first: T,
  final: readonly string[],
  timeoutMs: number,
): Promise<T> {
  let current = first
  const deadline = Date.now() + timeoutMs
  while (!final.includes(current.state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    current = await api.get<T>(path)
  }
  return current
}

interface ProcessView {
  readonly id: string
  readonly state: string
  readonly agreementId?: string
  readonly bytes?: number
  readonly sha256?: string
  readonly history: readonly { readonly reason?: string }[]
}

/** What happened, for the operator to read. */
export interface DemoStory {
  readonly lines: string[]
  readonly agreement?: string
}

/**
 * The demo's scenario: Kusel offers its Glan water levels to Mayen-Koblenz for flood warning only,
 * Kaiserslautern offers its traffic counts to all members; Mayen-Koblenz finds the water levels in
 * its federated catalog and concludes a contract, both sides signing it.
 */
export async function runDemoScenario(nodes: readonly DemoNode[], sources: DemoSources): Promise<DemoStory> {
  const [kl, kusel, myk] = nodes as [DemoNode, DemoNode, DemoNode]
  const lines: string[] = []
  const didOf = (node: DemoNode) => node.connector.identity().did
  const dataspace = kl.connector.identity().dataspace

  const pegelOffer = fillTemplate(findTemplate('flood-warning-only'), {
    assigner: didOf(kusel),
    target: 'urn:allmende:dataset:pegel-altenglan',
    assignee: didOf(myk),
    until: '2027-12-31',
  })
  const pegel = await publishOnce(kusel, {
    title: 'Pegel Altenglan (Glan), Wasserstand alle 15 Minuten',
    source: { kind: 'sensorthings', baseUrl: sources.sensorThings.url, datastreamId: 1 },
    offer: pegelOffer as Record<string, unknown>,
    meta: {
      description: 'Wasserstand des Pegels Altenglan an der Glan in cm, 15-Minuten-Werte (SensorThings API).',
      keyword: ['Pegel', 'Wasserstand', 'Hochwasser', 'Glan'],
      theme: [ENVIRONMENT],
      license: LICENSE,
      distributions: [{ format: 'JSON', mediaType: 'application/x-ndjson' }],
    },
  })
  lines.push(
    `Landkreis Kusel publishes "${pegel.title}": only Mayen-Koblenz, only for flood warning, until 31.12.2027.`,
  )

  const trafficOffer = fillTemplate(findTemplate('members-only'), {
    assigner: didOf(kl),
    target: 'urn:allmende:dataset:verkehr-kusel',
    dataSpace: dataspace,
  })
  const traffic = await publishOnce(kl, {
    title: 'Verkehrszählung je Fahrstreifen, Kusel',
    source: { kind: 'ngsi-ld', brokerUrl: `${sources.ngsiLd.url}/ngsi-ld/v1`, type: 'TrafficFlowObserved' },
    offer: trafficOffer as Record<string, unknown>,
    meta: {
      description:
        'Verkehrsstärke, Geschwindigkeit und Belegung je Fahrstreifen (NGSI-LD TrafficFlowObserved).',
      keyword: ['Verkehr', 'Zählstelle'],
      theme: [TRANSPORT],
      license: LICENSE,
      distributions: [{ format: 'JSON', mediaType: 'application/x-ndjson' }],
    },
  })
  lines.push(`Stadt Kaiserslautern publishes "${traffic.title}" for all members of the data space.`)

  const mykApi = await apiOf(myk)
  const { datasets: hits } = await mykApi.get<{ datasets: { datasetId: string; provider: string }[] }>(
    '/api/v1/catalog?q=pegel&refresh=true',
  )
  const hit = hits.find((h) => h.datasetId === pegel.id)
  if (hit === undefined) throw new Error('Mayen-Koblenz did not find the water levels in its catalog')
  lines.push('Mayen-Koblenz finds the water levels in its federated catalog, offered by Landkreis Kusel.')

  const requested = await mykApi.post<ProcessView>('/api/v1/negotiations', {
    provider: hit.provider,
    dataset: pegel.id,
    purpose: FLOOD_WARNING,
  })
  const negotiated = await settled(
    mykApi,
    `/api/v1/negotiations/${encodeURIComponent(requested.id)}`,
    requested,
    ['FINALIZED', 'TERMINATED'],
    30_000,
  )
  const agreement = negotiated.agreementId
  if (negotiated.state !== 'FINALIZED' || agreement === undefined) {
    lines.push(`The negotiation ended ${negotiated.state}: ${reasonOf(negotiated)}`)
    return { lines }
  }
  lines.push(
    `Mayen-Koblenz asks for it for flood warning; Kusel's connector checks the offer, agrees, and both sign the contract ${agreement}.`,
  )
  const out = join(myk.dir, 'received', 'pegel-altenglan.ndjson')
  const started = await mykApi.post<ProcessView>('/api/v1/transfers', { agreement, out })
  const transferred = await settled(
    mykApi,
    `/api/v1/transfers/${encodeURIComponent(started.id)}`,
    started,
    ['COMPLETED', 'TERMINATED'],
    60_000,
  )
  if (transferred.state !== 'COMPLETED') {
    lines.push(`The transfer ended ${transferred.state}: ${reasonOf(transferred)}`)
    return { lines, agreement }
  }
  lines.push(
    `Kusel's connector checks the contract on the request, reads the gauge's SensorThings server page by page and streams ${transferred.bytes} bytes straight to Mayen-Koblenz, who checks the SHA-256 (${transferred.sha256?.slice(0, 16)}…) and stores them in ${out}.`,
  )
  lines.push(
    'Both sides signed a receipt of the delivery and keep it in their audit logs (allmende audit verify --receipts).',
  )
  return { lines, agreement }
}

function reasonOf(process: ProcessView): string {
  return process.history.at(-1)?.reason ?? 'no reason given'
}
