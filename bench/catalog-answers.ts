// bench/catalog-answers: what a provider spends on one member's "only if changed" catalog request, the request
// every provider of a data space gets from each refreshed search. A provider of D datasets (the scale
// benchmark's, offers for members) answers it from the answer it built once since its catalog last changed;
// the yardstick, in the same run and alternating with it, builds the whole catalog and its digest for every request,
// as each request did before. Reports the median CPU time of one answer of each kind and their ratio.
// Settings: BENCH_DATASETS = D (100), BENCH_REQUESTS per round (200), BENCH_ROUNDS (5).
import '../src/polyfills.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { catalogDigest, unchangedAnswer } from '../src/catalog/catalog-digest.js'
import { DspCatalogAnswers, ifChangedFilter } from '../src/catalog/index.js'
import { generateNodeKey } from '../src/identity/index.js'
import { createCatalogRequestMessage } from '../src/protocol/index.js'
import { Store } from '../src/store/index.js'
import { catalogIn, scaleDatasetInput, scaleTitle } from './support/scale-datasets.js'

const DATASETS = Number(process.env.BENCH_DATASETS ?? 100)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

const root = await mkdtemp(join(tmpdir(), 'allmende-bench-answers-'))
const store = await Store.open(join(root, 'db'))
try {
  const catalog = catalogIn(store)
  const key = await generateNodeKey()
  const provider = { name: 'kommune-001', did: key.did }
  const source = join(root, 'data.json')
  await writeFile(source, '[]')
  for (let d = 0; d < DATASETS; d++) {
    await catalog.add(scaleDatasetInput(provider, scaleTitle(provider.name, d), source))
  }
  const addressing = { ownAddress: () => `/p2p/${key.peerId.toString()}` }
  const member = { did: (await generateNodeKey()).did, isMember: true }
  const kept = new DspCatalogAnswers(catalog, key.did, addressing, 'libp2p')
  const digest = catalogDigest(await kept.answer(createCatalogRequestMessage({}), member))
  const request = createCatalogRequestMessage({ filter: ifChangedFilter(digest) })
  /** The answer as every request built it before: the whole catalog, its digest compared, for each request. */
  const buildEach = async () => {
    const whole = await kept.catalogFor(member)
    return catalogDigest(whole) === digest ? unchangedAnswer(whole, digest) : whole
  }
  /** CPU ms per answer over one round of `answer`. */
  const round = async (answer: () => Promise<unknown>) => {
    const start = cpuMs()
    for (let i = 0; i < REQUESTS; i++) await answer()
    return (cpuMs() - start) / REQUESTS
  }
  const fromKept = () => kept.answer(request, member)
  const built: number[] = []
  const kepts: number[] = []
  // One round of each to warm up, then alternating rounds.
  await round(buildEach)
  await round(fromKept)
  for (let r = 0; r < ROUNDS; r++) {
    built.push(await round(buildEach))
    kepts.push(await round(fromKept))
  }
  console.log(
    `an unchanged catalog of ${DATASETS} datasets, told to a member: ${median(kepts).toFixed(3)} ms of CPU per answer ` +
      `from the answer kept since the last change, ${median(built).toFixed(3)} ms building it for each request (yardstick, same run): ` +
      `${(median(kepts) / median(built)).toFixed(3)}x`,
  )
} finally {
  await store.close()
  await rm(root, { recursive: true, force: true })
}
