// bench/data-workers: a provider's HttpData-PULL served by data-plane worker processes (dataWorkers
// 1 and 2) against the same provider serving pulls in its own process (dataWorkers 0, the
// yardstick), with PARALLEL concurrent pulls of one file per round. Each provider is a real
// `allmende start` process; one consumer node in this process pulls from all three (its cost is the
// same for each). Reported per configuration: aggregate MB/s and the provider's CPU (its process and
// its workers) per GB, as medians of interleaved rounds with the ratios against the yardstick.
import '../src/polyfills.js'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { initNode, openNode } from '../src/config/index.js'
import { Connector } from '../src/connector.js'
import { createSilentLogger } from '../src/log/index.js'
import { cliPath } from '../test/support/repo.js'

const MiB = 1024 * 1024
const SIZE = Number(process.env.DATA_WORKERS_BENCH_MIB ?? 64) * MiB
const PARALLEL = Number(process.env.DATA_WORKERS_BENCH_PARALLEL ?? 2)
const ROUNDS = Number(process.env.DATA_WORKERS_BENCH_ROUNDS ?? 3)
const WORKERS = [0, 1, 2]
const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'
const OFFER = {
  '@context': 'http://www.w3.org/ns/odrl.jsonld',
  '@type': 'Offer',
  uid: 'urn:allmende:offer:bench-workers',
  permission: [
    {
      action: 'use',
      constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': PURPOSE } }],
    },
  ],
}

interface Provider {
  readonly workers: number
  readonly dir: string
  readonly process: ChildProcess
  readonly api: string
  readonly token: string
  readonly did: string
  readonly dsp: string
  /** Its libp2p address: the consumer is a member beside it, as in bench/dsp-http. */
  readonly multiaddr: string
  readonly dataset: string
  agreement?: string
}

/** CPU seconds of a process and its live children (the workers), from /proc. */
function cpuSeconds(pid: number): number {
  const ticks = (p: number) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return Number(fields[11]) + Number(fields[12])
  }
  let total = ticks(pid)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')
      if (Number(stat[1]) === pid) total += ticks(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total / 100
}

async function startProvider(root: string, workers: number, source: string): Promise<Provider> {
  const dir = join(root, `provider-${workers}`)
  await initNode(dir, { name: `provider-${workers}`, overrides: { dataspace: 'bench-workers', dspPort: 0 } })
  const configFile = join(dir, 'config.json')
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>
  await writeFile(configFile, JSON.stringify({ ...config, dataWorkers: workers }))
  const child = spawn(process.execPath, [cliPath(), 'start', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
  })
  // Ends with this process, however it ends.
  process.once('exit', () => child.kill())
  const api = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const ready = /^ready (\S+)$/m.exec(out)
      if (ready !== null) resolve(ready[1]!)
    })
    child.once('exit', (code) => reject(new Error(`provider-${workers} exited (${code}) before ready`)))
  })
  const files = await openNode(dir)
  const headers = { authorization: `Bearer ${files.apiToken}`, 'content-type': 'application/json' }
  const identity = (await (await fetch(`${api}/api/v1/identity`, { headers })).json()) as {
    dsp: string
    multiaddrs: string[]
  }
  const published = await fetch(`${api}/api/v1/datasets`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      title: 'Bench file',
      description: 'Bench file',
      publisher: { name: `provider-${workers}`, id: files.key.did },
      distributions: [{ format: 'JSON' }],
      source: { kind: 'file', path: source },
      offers: [{ offer: { ...OFFER, assigner: files.key.did }, access: { kind: 'public' } }],
    }),
  })
  if (!published.ok) throw new Error(`publish failed: ${await published.text()}`)
  const { dataset } = (await published.json()) as { dataset: { id: string } }
  return {
    workers,
    dir,
    process: child,
    api,
    token: files.apiToken,
    did: files.key.did,
    dsp: identity.dsp,
    multiaddr: identity.multiaddrs[0]!,
    dataset: dataset.id,
  }
}

const root = await mkdtemp(join(tmpdir(), 'allmende-bench-workers-'))
const source = join(root, 'big.bin')
await writeFile(source, randomBytes(SIZE))
const providers: Provider[] = []
let consumer: Connector | undefined
try {
  for (const workers of WORKERS) providers.push(await startProvider(root, workers, source))
  const consumerDir = join(root, 'consumer')
  await initNode(consumerDir, { name: 'consumer', overrides: { dataspace: 'bench-workers' } })
  consumer = new Connector({
    files: await openNode(consumerDir, { dspPort: 0, bootstrap: providers.map((p) => p.multiaddr) }),
    log: createSilentLogger(),
  })
  const { apiUrl } = await consumer.start()
  const admitted = Date.now() + 120_000
  while ((await consumer.peers()).filter((p) => p.connected && p.admitted).length < providers.length) {
    if (Date.now() > admitted) throw new Error('the consumer was not admitted by every provider')
    await new Promise((r) => setTimeout(r, 100))
  }
  const headers = { authorization: `Bearer ${consumer.files.apiToken}`, 'content-type': 'application/json' }
  for (const provider of providers) {
    const negotiation = await consumer.contracts.request({
      provider: provider.did,
      datasetId: provider.dataset,
      offer: { '@id': OFFER.uid, '@type': 'Offer', permission: OFFER.permission } as never,
      purpose: PURPOSE,
      providerAddress: provider.dsp,
    })
    const done = await consumer.contracts.waitFor(negotiation.id, ['FINALIZED'], 60_000)
    if (done.state !== 'FINALIZED')
      throw new Error(`negotiation with provider-${provider.workers}: ${done.state}`)
    provider.agreement = done.agreementId
  }
  // The consumer's download folder: `downloads` beside its node directory.
  const downloads = join(root, 'downloads')
  await mkdir(downloads, { recursive: true })

  /** PARALLEL transfers from one provider at once; wall ms and the provider's CPU seconds. */
  const round = async (provider: Provider, n: number) => {
    const cpuBefore = cpuSeconds(provider.process.pid!)
    const start = performance.now()
    await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const out = join(downloads, `w${provider.workers}-${n}-${i}.bin`)
        const started = await fetch(`${apiUrl}/api/v1/transfers`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ agreement: provider.agreement, out }),
        })
        if (!started.ok) throw new Error(`the transfer was refused: ${await started.text()}`)
        const { id } = (await started.json()) as { id: string }
        for (;;) {
          const t = (await (
            await fetch(`${apiUrl}/api/v1/transfers/${encodeURIComponent(id)}`, { headers })
          ).json()) as { state: string }
          if (t.state === 'COMPLETED') break
          if (t.state === 'TERMINATED') throw new Error(`transfer terminated: ${JSON.stringify(t)}`)
          await new Promise((r) => setTimeout(r, 20))
        }
        await rm(out, { force: true })
      }),
    )
    return { ms: performance.now() - start, cpu: cpuSeconds(provider.process.pid!) - cpuBefore }
  }

  for (const provider of providers) await round(provider, -1)
  const results = new Map<number, { ms: number; cpu: number }[]>(WORKERS.map((w) => [w, []]))
  for (let n = 0; n < ROUNDS; n++) {
    for (const provider of providers) results.get(provider.workers)!.push(await round(provider, n))
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
  const bytes = SIZE * PARALLEL
  const yardstick = results.get(0)!
  console.log(
    `${PARALLEL} concurrent HttpData-PULLs of ${SIZE / MiB} MiB each, ${ROUNDS} interleaved rounds, provider in its own process, load average ${loadavg()[0]!.toFixed(1)}`,
  )
  for (const workers of WORKERS) {
    const runs = results.get(workers)!
    const ratios = runs.map((r, i) => yardstick[i]!.ms / r.ms)
    const cpuRatios = runs.map((r, i) => yardstick[i]!.cpu / r.cpu)
    const label = workers === 0 ? 'in the node (yardstick)' : `${workers} worker${workers === 1 ? '' : 's'}`
    console.log(
      `${label}: ${(bytes / 1e6 / (median(runs.map((r) => r.ms)) / 1000)).toFixed(0)} MB/s aggregate, provider CPU ${((median(runs.map((r) => r.cpu)) * 1000 * 1e9) / bytes).toFixed(0)} ms per GB` +
        (workers === 0
          ? ''
          : `; throughput ratio to the yardstick ${median(ratios).toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}), CPU ratio ${median(cpuRatios).toFixed(2)}`),
    )
  }
  const one = results.get(1)!
  const two = results.get(2)!
  const twoOverOne = two.map((r, i) => one[i]!.ms / r.ms)
  console.log(
    `two workers against one: ${median(twoOverOne).toFixed(2)} x the throughput (rounds ${Math.min(...twoOverOne).toFixed(2)}-${Math.max(...twoOverOne).toFixed(2)})`,
  )
} finally {
  await consumer?.stop()
  for (const provider of providers) {
    const exited = new Promise((resolve) => provider.process.once('exit', resolve))
    provider.process.kill('SIGTERM')
    await exited
  }
  await rm(root, { recursive: true, force: true })
}
process.exit(0)
