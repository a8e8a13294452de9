// bench/dsp-http: request-to-FINALIZED over the DSP HTTP binding beside the same negotiation over
// libp2p, between the same two nodes in the same run (yardstick: the libp2p figure). Both nodes run
// in this one process (one event loop for both). Goal: HTTP median < 50 ms.
import '../src/polyfills.js'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initNode, openNode } from '../src/config/index.js'
import { Connector } from '../src/connector.js'
import { createSilentLogger } from '../src/log/index.js'

const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'
const OFFER = {
  '@context': 'http://www.w3.org/ns/odrl.jsonld',
  '@type': 'Offer',
  uid: 'urn:allmende:offer:bench-http',
  permission: [
    {
      action: 'use',
      constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': PURPOSE } }],
    },
  ],
}
const ROUNDS = 100
const WARM_UP = 10

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

async function startNode(
  root: string,
  name: string,
  bootstrap?: string,
): Promise<{ node: Connector; api: string }> {
  const dir = join(root, name)
  await initNode(dir, { name, overrides: { dataspace: 'bench-http' } })
  const node = new Connector({
    files: await openNode(dir, {
      dspPort: 0,
      ...(bootstrap === undefined ? {} : { bootstrap: [bootstrap] }),
    }),
    log: createSilentLogger(),
  })
  const { apiUrl } = await node.start()
  return { node, api: apiUrl }
}

const root = await mkdtemp(join(tmpdir(), 'allmende-bench-dsp-http-'))
const provider = await startNode(root, 'provider')
const consumer = await startNode(root, 'consumer', provider.node.identity().multiaddrs[0]!)
const deadline = Date.now() + 30_000
while (!(await consumer.node.peers()).some((p) => p.connected && p.admitted)) {
  if (Date.now() > deadline) throw new Error('the consumer was not admitted over libp2p')
  await new Promise((r) => setTimeout(r, 50))
}
const published = await fetch(`${provider.api}/api/v1/datasets`, {
  method: 'POST',
  headers: { authorization: `Bearer ${provider.node.files.apiToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    title: 'Pegel Bench HTTP',
    description: 'Pegel Bench HTTP',
    publisher: { name: 'provider', id: provider.node.files.key.did },
    distributions: [{ format: 'JSON' }],
    source: { kind: 'file', path: '/dev/null' },
    // public: open to any authenticated DID, so the HTTP caller needs no membership presentation
    offers: [{ offer: { ...OFFER, assigner: provider.node.files.key.did }, access: { kind: 'public' } }],
  }),
})
if (!published.ok) throw new Error(`publish failed: ${await published.text()}`)
const datasetId = ((await published.json()) as { dataset: { id: string } }).dataset.id
const providerAddress = provider.node.identity().dsp
if (providerAddress === undefined) throw new Error('the provider runs no DSP HTTP listener')

async function negotiate(overHttp: boolean): Promise<number> {
  const start = performance.now()
  const negotiation = await consumer.node.contracts.request({
    provider: provider.node.files.key.did,
    datasetId,
    offer: { '@id': OFFER.uid, '@type': 'Offer', permission: OFFER.permission } as never,
    purpose: PURPOSE,
    ...(overHttp ? { providerAddress } : {}),
  })
  const done = await consumer.node.contracts.waitFor(negotiation.id, ['FINALIZED'], 30_000)
  if (done.state !== 'FINALIZED')
    throw new Error(`negotiation ended ${done.state}: ${JSON.stringify(done.history)}`)
  if (overHttp !== (done.callbackAddress !== undefined))
    throw new Error('the negotiation took the wrong binding')
  return performance.now() - start
}

for (let i = 0; i < WARM_UP; i++) {
  await negotiate(true)
  await negotiate(false)
}
const http: number[] = []
const p2p: number[] = []
// interleaved, so both bindings see the same state of the process (store size, GC, JIT)
for (let i = 0; i < ROUNDS; i++) {
  http.push(await negotiate(true))
  p2p.push(await negotiate(false))
}
const httpMedian = percentile(http, 50)
const p2pMedian = percentile(p2p, 50)
console.log(
  `request -> FINALIZED over libp2p (yardstick): median ${p2pMedian.toFixed(1)} ms, p95 ${percentile(p2p, 95).toFixed(1)} ms`,
)
console.log(
  `request -> FINALIZED over DSP HTTP: median ${httpMedian.toFixed(1)} ms, p95 ${percentile(http, 95).toFixed(1)} ms (${(httpMedian / p2pMedian).toFixed(2)}x libp2p)  [goal < 50 ms: ${httpMedian < 50 ? 'met' : 'MISSED'}]`,
)
await consumer.node.stop()
await provider.node.stop()
process.exit(0)
