import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import type { CatalogSearchHit, OfferSummary } from '../../catalog/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { CliCommand, FlagDocs } from '../command.js'
import { NODE_FLAGS, parseFlags, wholeNumberFlag } from '../flags.js'

/** A catalog hit as the API answers it: every visible offer in words. */
type CatalogHit = Omit<CatalogSearchHit, 'offers'> & { offers: OfferSummary[] }

const FLAGS = {
  ...NODE_FLAGS,
  q: {
    type: 'string',
    value: 'TEXT',
    fallback: 'every dataset',
    help: 'words to find in title, description and keywords',
  },
  theme: { type: 'string', value: 'IRI', fallback: 'any', help: 'only datasets of this DCAT theme' },
  publisher: { type: 'string', value: 'NAME', fallback: 'any', help: 'only datasets of this publisher' },
  refresh: { type: 'boolean', help: 'ask every member now instead of using the cached catalogs' },
  limit: { type: 'string', value: 'N', fallback: '100', help: 'at most this many hits (up to 1000)' },
  offset: {
    type: 'string',
    value: 'N',
    fallback: '0',
    help: 'leave out this many hits first (the next page)',
  },
} as const satisfies FlagDocs

export const catalogCommand: CliCommand = {
  name: 'catalog',
  usage:
    'allmende catalog [--q TEXT] [--theme IRI] [--publisher NAME] [--refresh] [--limit N] [--offset N] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: ['allmende catalog --q pegel --refresh --dir ./myk'],
  async run(args, io) {
    const { values } = parseFlags('catalog', () =>
      parseArgs({
        args,
        options: FLAGS,
      }),
    )
    const limit = wholeNumberFlag('catalog', 'limit', values.limit, 100)
    const offset = wholeNumberFlag('catalog', 'offset', values.offset, 0)
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) })
    for (const name of ['q', 'theme', 'publisher'] as const) {
      const value = values[name]
      if (value !== undefined) query.set(name, value)
    }
    // The command waits for every provider (each within its time); the API answers earlier on request.
    if (values.refresh === true) {
      query.set('refresh', 'true')
      query.set('wait', '60000')
    }
    const { datasets, total, refresh } = await client.get<{
      datasets: (CatalogHit & { providerName?: string })[]
      total: number
      refresh?: { providers: number; answered: number; pending: string[] }
    }>(`/api/v1/catalog?${query}`)
    if (values.json === true) {
      io.stdout(JSON.stringify(datasets))
      return 0
    }
    if (datasets.length === 0)
      io.stdout(total === 0 ? 'nothing found' : `only ${total} hits: give an --offset below ${total}`)
    for (const hit of datasets) {
      io.stdout(
        `${hit.title}  [${hit.local ? 'this node' : `${hit.providerName ?? ''} ${hit.provider}`.trim()}]\n    ${hit.datasetId}`,
      )
      for (const offer of hit.offers) {
        const purposes = offer.purposes.map((p) => p.iri.slice(p.iri.lastIndexOf('#') + 1))
        io.stdout(
          `    offer ${offer.id}\n      ${offer.terms.en}${purposes.length === 0 ? '' : `\n      --purpose ${purposes.join(' | ')}`}`,
        )
      }
    }
    if (total > offset + datasets.length) {
      io.stdout(
        `hits ${offset + 1}–${offset + datasets.length} of ${total}; the next ones: --offset ${offset + datasets.length}`,
      )
    }
    if (refresh !== undefined && refresh.pending.length > 0) {
      io.stdout(
        `${refresh.answered} of ${refresh.providers} providers answered so far; ${refresh.pending.length} are still ` +
          'answering and their datasets reach the cache: search again in a moment',
      )
    }
    return 0
  },
}
