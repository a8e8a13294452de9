// The datasets of the scale benchmarks: every provider offers D datasets titled by one of eight words (so a
// one-word search finds an eighth of them), each with one offer for a purpose, visible to members.
import {
  Catalog,
  requesterConstraintEvaluator,
  validateOfferWithPolicyEngine,
} from '../../src/catalog/index.js'
import type { Store } from '../../src/store/index.js'

export const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'
export const WORDS = [
  'Pegel',
  'Verkehr',
  'Haushalt',
  'Baumkataster',
  'Parken',
  'Wahlen',
  'Luftqualität',
  'Radwege',
]

/** A provider's catalog in `store`, checked and evaluated as a node's (the wall clock). */
export function catalogIn(store: Store): Catalog {
  const clock = { now: () => new Date() }
  return new Catalog(
    { store, clock },
    {
      validateOffer: validateOfferWithPolicyEngine,
      evaluateConstraint: requesterConstraintEvaluator(clock.now),
    },
  )
}

/** The provider of a benchmark dataset: its municipality's name and DID. */
export interface ScaleProvider {
  readonly name: string
  readonly did: string
}

/** The input of one benchmark dataset whose data is the file `source`. */
export function scaleDatasetInput(provider: ScaleProvider, title: string, source: string) {
  return {
    title,
    description: `${title}, veröffentlicht von ${provider.name}`,
    keyword: [title.split(' ')[0]!],
    publisher: { name: provider.name, id: provider.did },
    distributions: [{ format: 'JSON' }],
    source: { kind: 'file', path: source },
    offers: [
      {
        offer: {
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@type': 'Offer',
          uid: `urn:allmende:offer:scale:${title.replaceAll(' ', '-')}`,
          assigner: provider.did,
          permission: [
            {
              action: 'use',
              constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': PURPOSE } }],
            },
          ],
        },
      },
    ],
  }
}

/** The title of the `d`-th benchmark dataset of the provider named `name`. */
export const scaleTitle = (name: string, d: number) => `${WORDS[d % WORDS.length]} ${name} ${d}`

/** One page of a catalog search as `GET /api/v1/catalog` answers it. */
export interface SearchPage<H> {
  readonly datasets: H[]
  readonly total: number
}

/** The largest page the API gives. */
export const LARGEST_PAGE = 1000

/**
 * Every hit of a search, page after page of the largest size; `ask` gets the query with `limit` and `offset` set
 * (appended to `query`, which may be empty).
 */
export async function everyHit<P extends SearchPage<unknown>>(
  query: string,
  ask: (query: string) => Promise<P>,
): Promise<P['datasets']> {
  const hits: P['datasets'] = []
  const prefix = query === '' ? '' : `${query}&`
  const first = await ask(`${prefix}limit=${LARGEST_PAGE}&offset=0`)
  hits.push(...first.datasets)
  while (hits.length < first.total) {
    const page = await ask(`${prefix}limit=${LARGEST_PAGE}&offset=${hits.length}`)
    if (page.datasets.length === 0) break
    hits.push(...page.datasets)
  }
  return hits
}
