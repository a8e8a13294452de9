// bench/dsp-limits: the DSP HTTP request rate a legitimate caller still gets while a flood runs.
// One provider (in this process) behind a simulated reverse proxy (X-Forwarded-For). A legitimate
// connector asks for the catalog at a steady 8 requests/s (within its share) for 10 s, once alone
// (the yardstick) and once while a flooder in a second process sends catalog requests with a fresh
// did:key each, 16 at a time, from one address. Figures: the caller's served rate and median
// latency with the flood beside the same without it, and what became of the flood. Goal: the caller
// keeps at least 0.9 of its served rate.
import '../src/polyfills.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initNode, openNode } from '../src/config/index.js'
import { Connector } from '../src/connector.js'
import { issueIdToken } from '../src/credentials/index.js'
import { generateNodeKey, type NodeKey } from '../src/identity/index.js'
import { createSilentLogger } from '../src/log/index.js'
import { benchDir } from './support/temp-dir.js'

const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld'
const OFFERED_PER_SECOND = 8
const SECONDS = 10
const FLOOD_CONCURRENCY = 16

/** One catalog request of `key` from `address`; resolves to its HTTP status. */
async function catalogRequest(
  base: string,
  audience: string,
  key: NodeKey,
  address: string,
): Promise<number> {
  const token = await issueIdToken(key, { audience, lifetimeSeconds: 300 })
  const response = await fetch(`${base}/catalog/request`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-forwarded-for': address,
    },
    body: JSON.stringify({ '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage' }),
  })
  await response.arrayBuffer()
  return response.status
}

/** The flooder (run as `dsp-limits.js flood BASE DID SECONDS`): fresh DIDs, one address; prints its counts. */
async function flood(base: string, audience: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000
  const counts: Record<string, number> = {}
  await Promise.all(
    Array.from({ length: FLOOD_CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const status = await catalogRequest(base, audience, await generateNodeKey(), '10.66.0.1').catch(
          () => 0,
        )
        counts[status] = (counts[status] ?? 0) + 1
      }
    }),
  )
  process.stdout.write(JSON.stringify(counts))
}

/** The legitimate caller at its steady rate: served requests per second and the median latency. */
async function legitimate(
  base: string,
  audience: string,
  key: NodeKey,
): Promise<{ rate: number; medianMs: number }> {
  const latencies: number[] = []
  let served = 0
  const start = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < OFFERED_PER_SECOND * SECONDS; i++) {
    const due = start + (i * 1000) / OFFERED_PER_SECOND
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
    pending.push(
      (async () => {
        const sent = performance.now()
        const status = await catalogRequest(base, audience, key, '10.1.0.1')
        if (status === 200) {
          served++
          latencies.push(performance.now() - sent)
        }
      })(),
    )
  }
  await Promise.all(pending)
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return { rate: served / elapsed, medianMs: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN }
}

if (process.argv[2] === 'flood') {
  await flood(process.argv[3]!, process.argv[4]!, Number(process.argv[5]))
} else {
  const root = benchDir('allmende-bench-dsp-limits-')
  const dir = join(root, 'provider')
  await initNode(dir, { name: 'provider', overrides: { dataspace: 'bench-limits' } })
  const node = new Connector({
    files: await openNode(dir, { dspPort: 0, dspTrustProxy: true }),
    log: createSilentLogger(),
  })
  await node.start()
  const base = node.identity().dsp!
  const audience = node.identity().did
  const caller = await generateNodeKey()
  const alone = await legitimate(base, audience, caller)
  const flooder = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), 'flood', base, audience, String(SECONDS + 2)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let output = ''
  flooder.stdout.on('data', (chunk) => (output += chunk))
  const flooded = new Promise<void>((resolve) => flooder.on('exit', () => resolve()))
  await new Promise((r) => setTimeout(r, 1000)) // the flood is under way before the caller starts
  const during = await legitimate(base, audience, caller)
  await flooded
  await node.stop()
  const counts = JSON.parse(output || '{}') as Record<string, number>
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
  const ratio = during.rate / alone.rate
  console.log(
    `legitimate caller, offered ${OFFERED_PER_SECOND}/s for ${SECONDS} s: served ${during.rate.toFixed(2)}/s during the flood vs ${alone.rate.toFixed(2)}/s alone (yardstick) = ${ratio.toFixed(2)}; goal >= 0.9: ${ratio >= 0.9 ? 'met' : 'MISSED'}`,
  )
  console.log(
    `median latency: ${during.medianMs.toFixed(1)} ms during the flood vs ${alone.medianMs.toFixed(1)} ms alone = ${(during.medianMs / alone.medianMs).toFixed(2)}x`,
  )
  console.log(
    `flood (fresh did:key per request, one address, ${FLOOD_CONCURRENCY} at a time, ${SECONDS + 1} s): ${total} requests, ${counts[429] ?? 0} answered 429, ${counts[200] ?? 0} served, ${counts[0] ?? 0} failed`,
  )
}
