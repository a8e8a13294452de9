// bench/cached-search: a federated search from the local cache through the API of one real `allmende start`
// whose cache holds P providers × D datasets, as the scale benchmark's datasets (each provider a real catalog
// with its own key, its DSP answer to a member cached as a refreshed search caches it). A cached search reads
// nothing but this node's cache, so this is the figure of the scale benchmark at P providers without P
// processes; what it leaves out is the providers' names, which the node learns from connected peers.
// Reports the median of one-word searches (an eighth of all datasets each) and of all datasets, after one
// search of each word, beside an API health round trip measured in the same run, and the node's RSS after.
// Settings: BENCH_PROVIDERS = P (100, this node included), BENCH_DATASETS = D per provider (100), BENCH_CLI (the
// `allmende` whose API is timed, e.g. another build's `dist/bundle/allmende.js`; the cache is filled by this one),
// BENCH_IDLE_SECONDS (40: the node's RSS is read again after this long idle, when it gave its garbage back).
import '../src/polyfills.js'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildDspCatalog, type Catalog, FederatedCatalogCache } from '../src/catalog/index.js'
import { V8_FLAGS, withAllocatorTunables } from '../src/cli/v8-flags.js'
import { initNode } from '../src/config/index.js'
import { generateNodeKey } from '../src/identity/index.js'
import { Store } from '../src/store/index.js'
import { cliPath } from '../test/support/repo.js'
import { rssMiB } from './support/process-memory.js'
import {
  catalogIn,
  everyHit,
  LARGEST_PAGE,
  type ScaleProvider,
  scaleDatasetInput,
  scaleTitle,
  WORDS,
} from './support/scale-datasets.js'

const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 100)
const DATASETS = Number(process.env.BENCH_DATASETS ?? 100)
const ROUNDS = 5
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 40)

const clock = { now: () => new Date() }
async function fill(catalog: Catalog, provider: ScaleProvider, source: string): Promise<void> {
  for (let d = 0; d < DATASETS; d++) {
    await catalog.add(scaleDatasetInput(provider, scaleTitle(provider.name, d), source))
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const elapsed = (since: number) => performance.now() - since

const root = await mkdtemp(join(tmpdir(), 'allmende-bench-cached-'))
try {
  const source = join(root, 'data.json')
  await writeFile(source, '[]')
  const files = await initNode(join(root, 'asker'), {
    name: 'kommune-000',
    overrides: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  })
  const setupStart = performance.now()
  const store = await Store.open(files.directory.dbDir)
  try {
    const own = catalogIn(store)
    await fill(own, { name: files.config.name, did: files.key.did }, source)
    const cache = new FederatedCatalogCache({ store, clock, catalog: own }, { participantId: files.key.did })
    for (let p = 1; p < PROVIDERS; p++) {
      const key = await generateNodeKey()
      const provider = { name: `kommune-${String(p).padStart(3, '0')}`, did: key.did }
      const providerStore = await Store.open(join(root, 'providers', provider.name))
      try {
        const catalog = catalogIn(providerStore)
        await fill(catalog, provider, source)
        const answer = buildDspCatalog(await catalog.catalogFor({ did: files.key.did, isMember: true }), {
          participantId: key.did,
          endpointURL: `/p2p/${key.peerId.toString()}`,
        })
        await cache.ingestCatalog(key.did, JSON.parse(JSON.stringify(answer)))
      } finally {
        await providerStore.close()
      }
    }
  } finally {
    await store.close()
  }
  console.log(
    `set-up: ${PROVIDERS} providers x ${DATASETS} datasets in one node's cache: ${(elapsed(setupStart) / 1000).toFixed(1)} s`,
  )

  const cli = process.env.BENCH_CLI ?? cliPath()
  const child = spawn(process.execPath, [...V8_FLAGS, cli, 'start', '--dir', files.directory.root], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: withAllocatorTunables({ ...process.env, ALLMENDE_LOG_LEVEL: 'warn' }),
  })
  try {
    const apiUrl = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (chunk) => {
        out += chunk
        const ready = /^ready (\S+)$/m.exec(out)
        if (ready !== null) resolve(ready[1]!)
      })
      child.once('exit', (code) => reject(new Error(`the node exited (${code}) before ready`)))
    })
    const timed = async (path: string) => {
      const t0 = performance.now()
      const response = await fetch(`${apiUrl}${path}`, {
        headers: { authorization: `Bearer ${files.apiToken}` },
      })
      const body = (await response.json()) as { datasets?: unknown[]; total?: number }
      return { ms: elapsed(t0), datasets: body.datasets ?? [], total: body.total ?? 0 }
    }
    const health: number[] = []
    for (let i = 0; i < 9; i++) health.push((await timed('/api/v1/health')).ms)
    // Each word once first: the node explains each offer in words on the first search that shows it.
    const first: { ms: number }[] = []
    for (const word of WORDS) first.push(await timed(`/api/v1/catalog?q=${encodeURIComponent(word)}`))
    const oneWord: number[] = []
    let hits = 0
    let answered = 0
    for (let i = 0; i < ROUNDS * WORDS.length; i++) {
      const result = await timed(`/api/v1/catalog?q=${encodeURIComponent(WORDS[i % WORDS.length]!)}`)
      oneWord.push(result.ms)
      hits = result.total
      answered = result.datasets.length
    }
    // Every dataset, in pages of the largest size (a client that wants them all).
    const all: number[] = []
    let allHits = 0
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now()
      allHits = (await everyHit('', (query) => timed(`/api/v1/catalog?${query}`))).length
      all.push(elapsed(t0))
    }
    const rssAfter = await rssMiB(child.pid!)
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000))
    const idleRssMiB = await rssMiB(child.pid!)
    const loadAverage = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
    const healthMs = median(health)
    const result = {
      providers: PROVIDERS,
      datasetsPerProvider: DATASETS,
      firstSearchMsMedian: Math.round(median(first.map((r) => r.ms))),
      cachedApiMs: Number(median(oneWord).toFixed(1)),
      cachedApiHits: hits,
      cachedApiAnswered: answered,
      cachedAllDatasetsMs: Math.round(median(all)),
      cachedAllDatasetsHits: allHits,
      healthMs: Number(healthMs.toFixed(2)),
      rssMiB: Math.round(rssAfter),
      idleRssMiB: Math.round(idleRssMiB),
      loadAverage,
    }
    console.log(
      `cached search in the API at ${PROVIDERS} providers x ${DATASETS} datasets (one word: ${hits} of ${allHits} match, the first ${answered} answered): ` +
        `median ${median(oneWord).toFixed(1)} ms (${(median(oneWord) / healthMs).toFixed(0)}x an API health round trip of ${healthMs.toFixed(2)} ms; ` +
        `first search of each word ${result.firstSearchMsMedian} ms); all ${allHits} datasets in pages of ${LARGEST_PAGE}: ${result.cachedAllDatasetsMs} ms; ` +
        `RSS after ${result.rssMiB} MiB, after ${IDLE_SECONDS} s idle ${result.idleRssMiB} MiB (load average ${loadAverage})  [goal < 50 ms: ${median(oneWord) < 50 ? 'met' : 'MISSED'}]`,
    )
    console.log(`result ${JSON.stringify(result)}`)
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
} finally {
  await rm(root, { recursive: true, force: true })
}
