// bench/dsp-http: request-to-FINALIZED over the DSP HTTP binding beside the same negotiation over
// libp2p, between the same two nodes in the same run (yardstick: the libp2p figure). Both nodes run
// in this one process (one event loop for both). Goal: HTTP median < 50 ms. Then HttpData-PULL of
// 256 MiB against a plain Node HTTP download of the same file into a file (goal: at least 0.8 of it).
import '../src/polyfills.js'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_LIMITS } from '../src/bindings/http/index.js'
import { initNode, openNode } from '../src/config/index.js'
import { Connector } from '../src/connector.js'
import { createSilentLogger } from '../src/log/index.js'
import { benchDir } from './support/temp-dir.js'

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
const ROUNDS = Number(process.env.DSP_HTTP_BENCH_ROUNDS ?? 100)
const WARM_UP = Math.min(10, ROUNDS)

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

const root = benchDir('allmende-bench-dsp-http-')
/** A small real file as every published dataset's source (a dataset must name a readable file). */
const sourceFile = join(root, 'source.json')
await writeFile(sourceFile, '[]')
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
    source: { kind: 'file', path: sourceFile },
    // public: open to any authenticated DID, so the HTTP caller needs no membership presentation
    offers: [{ offer: { ...OFFER, assigner: provider.node.files.key.did }, access: { kind: 'public' } }],
  }),
})
if (!published.ok) throw new Error(`publish failed: ${await published.text()}`)
const datasetId = ((await published.json()) as { dataset: { id: string } }).dataset.id
const providerAddress = provider.node.identity().dsp
if (providerAddress === undefined) throw new Error('the provider runs no DSP HTTP listener')

/**
 * HTTP negotiations start at least this far apart: the provider holds each caller's DID to its share
 * of requests (a negotiation sends it a request and a verification, with margin 3), and a request
 * over the share is refused with 429. Back to back, the rounds used up the share and ended the bench.
 * The wait lies outside the time measured.
 */
const HTTP_SPACING_MS = (3 / DEFAULT_LIMITS.perDid.perSecond) * 1000
let lastHttpStart = 0

async function negotiate(overHttp: boolean): Promise<number> {
  if (overHttp) {
    const wait = lastHttpStart + HTTP_SPACING_MS - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    lastHttpStart = performance.now()
  }
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

// HttpData-PULL of 256 MiB (HTTP_PULL_BENCH_MIB) against a plain Node HTTP download of the same file, both into a file synced to the disk
const MiB = 1024 * 1024
const SIZE = Number(process.env.HTTP_PULL_BENCH_MIB ?? 256) * MiB
const ROUNDS_PULL = Number(process.env.HTTP_PULL_BENCH_ROUNDS ?? 3)
const bigFile = join(root, 'big.bin')
await writeFile(bigFile, randomBytes(SIZE))
const bigDataset = await fetch(`${provider.api}/api/v1/datasets`, {
  method: 'POST',
  headers: { authorization: `Bearer ${provider.node.files.apiToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    title: 'Bench file',
    description: 'Bench file',
    publisher: { name: 'provider', id: provider.node.files.key.did },
    distributions: [{ format: 'JSON' }],
    source: { kind: 'file', path: bigFile },
    offers: [
      {
        offer: { ...OFFER, uid: 'urn:allmende:offer:bench-file', assigner: provider.node.files.key.did },
        access: { kind: 'public' },
      },
    ],
  }),
})
const bigId = ((await bigDataset.json()) as { dataset: { id: string } }).dataset.id
const contract = await consumer.node.contracts.request({
  provider: provider.node.files.key.did,
  datasetId: bigId,
  offer: { '@id': 'urn:allmende:offer:bench-file', '@type': 'Offer', permission: OFFER.permission } as never,
  purpose: PURPOSE,
  providerAddress,
})
const agreed = await consumer.node.contracts.waitFor(contract.id, ['FINALIZED'], 30_000)

async function pullOverDsp(out: string): Promise<number> {
  const start = performance.now()
  const headers = {
    authorization: `Bearer ${consumer.node.files.apiToken}`,
    'content-type': 'application/json',
  }
  const started = await fetch(`${consumer.api}/api/v1/transfers`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ agreement: agreed.agreementId, out }),
  })
  if (!started.ok) throw new Error(`the transfer was refused: ${await started.text()}`)
  const { id } = (await started.json()) as { id: string }
  for (;;) {
    const t = (await (
      await fetch(`${consumer.api}/api/v1/transfers/${encodeURIComponent(id)}`, { headers })
    ).json()) as {
      state: string
    }
    if (t.state === 'COMPLETED') return performance.now() - start
    if (t.state === 'TERMINATED') throw new Error(`transfer terminated: ${JSON.stringify(t)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const plainServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) })
  createReadStream(bigFile).pipe(res)
})
await new Promise<void>((r) => plainServer.listen(0, '127.0.0.1', () => r()))
const plainUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/`
async function plainDownload(out: string): Promise<number> {
  const start = performance.now()
  const response = await fetch(plainUrl)
  await pipeline(Readable.fromWeb(response.body as never), createWriteStream(out))
  // On the disk before it counts as received, as the consumer's file sink keeps a pulled file.
  const handle = await open(out, 'r+')
  await handle.sync()
  await handle.close()
  return performance.now() - start
}

// Interleaved rounds into the consumer's download folder (the transfer API writes nowhere else);
// each file is removed after its round so the disk holds one copy at a time.
const downloads = join(root, 'downloads')
await mkdir(downloads, { recursive: true })
const dspTimes: number[] = []
const plainTimes: number[] = []
const cpuOf = async (run: () => Promise<number>, into: number[]) => {
  const before = process.cpuUsage()
  const ms = await run()
  const used = process.cpuUsage(before)
  into.push((used.user + used.system) / 1000)
  return ms
}
const dspCpu: number[] = []
const plainCpu: number[] = []
for (let i = 0; i < ROUNDS_PULL; i++) {
  const plainOut = join(downloads, 'plain.bin')
  const pullOut = join(downloads, 'pull.bin')
  plainTimes.push(await cpuOf(() => plainDownload(plainOut), plainCpu))
  dspTimes.push(await cpuOf(() => pullOverDsp(pullOut), dspCpu))
  await rm(plainOut)
  await rm(pullOut)
}
const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000)
const dspRate = mbps(percentile(dspTimes, 50))
const plainRate = mbps(percentile(plainTimes, 50))
// Each pull against the plain download right before it: a busy machine drifts between rounds.
const pullRatio = percentile(
  plainTimes.map((ms, i) => ms / dspTimes[i]!),
  50,
)
const cpuPerGb = (ms: number) => ((ms / SIZE) * 1e9).toFixed(0)
console.log(
  `plain Node HTTP download of ${SIZE / MiB} MiB into a file, synced to the disk as a pull's file is (yardstick): ${plainRate.toFixed(0)} MB/s, CPU ${cpuPerGb(percentile(plainCpu, 50))} ms per GB (server and client)`,
)
// CPU per byte, round by round: a busy machine stretches wall time far more than CPU time.
const cpuRatio = percentile(
  plainCpu.map((ms, i) => ms / dspCpu[i]!),
  50,
)
const spread = (ratios: number[]) => `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`
console.log(
  `HttpData-PULL of the same file (token, policy check, audit, consumer's SHA-256, file): ${dspRate.toFixed(0)} MB/s, CPU ${cpuPerGb(percentile(dspCpu, 50))} ms per GB (provider and consumer); ratio ${pullRatio.toFixed(2)} (rounds ${spread(plainTimes.map((ms, i) => ms / dspTimes[i]!))})  [goal >= 0.8: ${pullRatio >= 0.8 ? 'met' : 'MISSED'}]; CPU ratio plain / pull ${cpuRatio.toFixed(2)} (rounds ${spread(plainCpu.map((ms, i) => ms / dspCpu[i]!))}); ${ROUNDS_PULL} interleaved rounds (ratios: median of the rounds' ratios), load average ${loadavg()[0]!.toFixed(1)}`,
)
plainServer.close()
await consumer.node.stop()
await provider.node.stop()
process.exit(0)
