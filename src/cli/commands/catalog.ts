import { parseArgs } from 'node:util'
import type { CatalogSearchHit, OfferSummary } from '../../catalog/index.js'

/** A catalog hit as the API answers it: every visible offer in words. */
type CatalogHit = Omit<CatalogSearchHit, 'offers'> & { offers: OfferSummary[] }

import { DEFAULT_NODE_DIR } from '../../config/index.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { NodeClient } from '../node-client.js'

export const catalogCommand: CliCommand = {
  name: 'catalog',
  summary: 'search the local and federated catalog of the data space',
  usage: 'allmende catalog [--q TEXT] [--theme IRI] [--publisher NAME] [--refresh] [--dir DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags('catalog', () =>
      parseArgs({
        args,
        options: {
          ...NODE_FLAGS,
          q: { type: 'string' },
          theme: { type: 'string' },
          publisher: { type: 'string' },
          refresh: { type: 'boolean' },
        },
      }),
    )
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const query = new URLSearchParams()
    for (const name of ['q', 'theme', 'publisher'] as const) {
      const value = values[name]
      if (value !== undefined) query.set(name, value)
    }
    if (values.refresh === true) query.set('refresh', 'true')
    const { datasets } = await client.get<{ datasets: CatalogHit[] }>(`/api/v1/catalog?${query}`)
    if (values.json === true) {
      io.stdout(JSON.stringify(datasets))
      return 0
    }
    if (datasets.length === 0) io.stdout('nothing found')
    for (const hit of datasets) {
      io.stdout(`${hit.title}  [${hit.local ? 'this node' : hit.provider}]\n    ${hit.datasetId}`)
      for (const offer of hit.offers) {
        const purposes = offer.purposes.map((p) => p.iri.slice(p.iri.lastIndexOf('#') + 1))
        io.stdout(
          `    offer ${offer.id}\n      ${offer.terms.en}${purposes.length === 0 ? '' : `\n      --purpose ${purposes.join(' | ')}`}`,
        )
      }
    }
    return 0
  },
}
