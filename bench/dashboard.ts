// bench/dashboard: first load of the web dashboard (login link to a rendered overview) and of the
// catalog page with 1,000 federated datasets, in Debian's chromium with the cache off, beside the
// first load of a static HTML page (the login refusal page: HTML and its style sheet) from the same
// node in the same run (yardstick). Goals: < 2x the static page and < 500 ms. Reports the bundle size.
import '../src/polyfills.js'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium, type Page } from 'playwright-core'
import { packageRoot } from '../src/api/package-root.js'
import { initNode, openNode } from '../src/config/index.js'
import { Connector } from '../src/connector.js'
import { createSilentLogger } from '../src/log/index.js'
import { benchDir } from './support/temp-dir.js'

const DATASETS = 1000
const ROUNDS = 7
const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function startNode(root: string, name: string, bootstrap?: string) {
  const dir = join(root, name)
  await initNode(dir, { name, overrides: { dataspace: 'bench-dashboard' } })
  const node = new Connector({
    files: await openNode(dir, bootstrap === undefined ? {} : { bootstrap: [bootstrap] }),
    log: createSilentLogger(),
  })
  const { apiUrl } = await node.start()
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      // A fresh connection per call: a kept-alive one may be closed by the server under load.
      headers: {
        authorization: `Bearer ${node.files.apiToken}`,
        'content-type': 'application/json',
        connection: 'close',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json() as Promise<Record<string, unknown>>
  }
  return { node, apiUrl, call }
}

/** Bytes of everything the dashboard's first load fetches: the modules, the style sheet, the page. */
function bundleSize(): { files: number; bytes: number; gzip: number } {
  const root = packageRoot()
  const files = readdirSync(join(root, 'dist', 'ui'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((f) => join(root, 'dist', 'ui', f))
  const all = Buffer.concat(files.map((f) => readFileSync(f)))
  return {
    files: files.length,
    bytes: files.reduce((n, f) => n + statSync(f).size, 0),
    gzip: gzipSync(all).length,
  }
}

const root = benchDir('allmende-bench-dashboard-')
/** A small real file as every published dataset's source (a dataset must name a readable file). */
const sourceFile = join(root, 'source.json')
await writeFile(sourceFile, '[]')
const consumer = await startNode(root, 'Landkreis Mayen-Koblenz')
const provider = await startNode(root, 'Landkreis Kusel', consumer.node.identity().multiaddrs[0]!)
const deadline = Date.now() + 30_000
while (!(await consumer.node.peers()).some((p) => p.connected && p.admitted)) {
  if (Date.now() > deadline) throw new Error('the provider was not admitted')
  await new Promise((r) => setTimeout(r, 50))
}
const did = provider.node.files.key.did
const publish = async (i: number) =>
  provider.call('POST', '/api/v1/datasets', {
    title: `Messreihe ${i}: Pegel, Verkehr und Luft`,
    description: `Synthetische Messreihe ${i} für den Lasttest des Katalogs`,
    publisher: { name: 'Landkreis Kusel', id: did },
    keyword: ['Pegel', 'Messreihe'],
    distributions: [{ format: 'JSON' }],
    source: { kind: 'file', path: sourceFile },
    offers: [
      {
        offer: {
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@type': 'Offer',
          uid: `urn:allmende:offer:bench-${i}`,
          assigner: did,
          permission: [
            {
              action: 'use',
              constraint: [
                { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': PURPOSE } },
                {
                  leftOperand: 'dateTime',
                  operator: 'lteq',
                  rightOperand: { '@value': '2030-12-31', '@type': 'xsd:date' },
                },
              ],
            },
          ],
        },
      },
    ],
  })
// A few at a time: the node's own pace, not the benchmark's, is what the catalog should reflect.
for (let i = 0; i < DATASETS; i += 4) {
  await Promise.all(Array.from({ length: Math.min(4, DATASETS - i) }, (_, k) => publish(i + k)))
}
const { total } = (await consumer.call('GET', '/api/v1/catalog?refresh=true')) as { total: number }
if (total < DATASETS) throw new Error(`the consumer's catalog holds ${total} datasets, not ${DATASETS}`)

const profile = benchDir('allmende-bench-chromium-')
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  locale: 'de-DE',
})

/** A page with the HTTP cache off: every load is a first load. */
async function coldPage(): Promise<Page> {
  const page = await browser.newPage()
  const cdp = await browser.newCDPSession(page)
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  return page
}

/** Milliseconds from navigation start until `mark` (a User Timing mark the dashboard sets) or the load event. */
async function loadTime(url: string, mark?: string): Promise<number> {
  const page = await coldPage()
  await page.goto(url, { waitUntil: 'load' })
  let ms: number
  if (mark === undefined) {
    // evaluated in the page (DOM types are not in this project's lib)
    ms = await page.evaluate<number>("performance.getEntriesByType('navigation')[0].loadEventEnd")
  } else {
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, {
      timeout: 60_000,
    })
    ms = await page.evaluate((name) => performance.getEntriesByName(name)[0]!.startTime, mark)
  }
  await page.close()
  return ms
}

const login = () => `${consumer.apiUrl}/login?code=${consumer.node.sessions.issueLoginCode()}`
// warm up the server and the browser once, then interleave the three loads
await loadTime(`${consumer.apiUrl}/login?code=bench`)
await loadTime(login(), 'allmende:rendered')
await loadTime(`${consumer.apiUrl}/#/katalog`, 'allmende:catalog')
const statics: number[] = []
const overview: number[] = []
const catalog: number[] = []
for (let i = 0; i < ROUNDS; i++) {
  statics.push(await loadTime(`${consumer.apiUrl}/login?code=bench`))
  overview.push(await loadTime(login(), 'allmende:rendered'))
  catalog.push(await loadTime(`${consumer.apiUrl}/#/katalog`, 'allmende:catalog'))
}
await browser.close()
await provider.node.stop()
await consumer.node.stop()

const yardstick = median(statics)
const verdict = (ms: number) =>
  `${(ms / yardstick).toFixed(2)}x static  [goal < 2x and < 500 ms: ${ms < 2 * yardstick && ms < 500 ? 'met' : 'MISSED'}]`
const bundle = bundleSize()
console.log(`static HTML page, first load (yardstick): median ${yardstick.toFixed(1)} ms`)
console.log(
  `dashboard (login link to rendered overview), first load: median ${median(overview).toFixed(1)} ms, ${verdict(median(overview))}`,
)
console.log(
  `catalog page with ${DATASETS} federated datasets, first load: median ${median(catalog).toFixed(1)} ms, ${verdict(median(catalog))}`,
)
console.log(
  `bundle: ${bundle.files} files (ES modules and one style sheet) beside the HTML page, ${(bundle.bytes / 1024).toFixed(1)} KiB (${(bundle.gzip / 1024).toFixed(1)} KiB gzipped), no bundler`,
)
