import type { Router } from '@koa/router'
import {
  type Catalog,
  type CatalogFederation,
  type DcatApDeExportOptions,
  type OfferSummary,
  summarizeOffer,
  toDcatApDeJsonLd,
  toDcatApDeTurtle,
} from '../../catalog/index.js'
import { InvalidInputError } from '../../protocol/index.js'

/** A refreshed search answers within this long by default, with the providers still pending named. */
const DEFAULT_REFRESH_WAIT_MS = 1500

export interface CatalogRoutesInit {
  readonly catalog: Catalog
  readonly federation: CatalogFederation
  /** Catalog-level metadata of the DCAT-AP.de export. */
  readonly exportOptions: () => DcatApDeExportOptions
  /** The municipality's names of provider DIDs, as this node knows them (asked once per search). */
  readonly providerNames?: () => Promise<ReadonlyMap<string, string>>
  /** Names the offers' explanations use for DIDs (this node's own, at least). */
  readonly names?: Readonly<Record<string, string>>
}

/**
 * Each offer's summary in words, kept with the offer object it was made from: the federated cache hands out
 * the same offer objects until a provider's dataset changes, and explaining thousands of offers on every
 * search took most of a cached search's time.
 */
const summaries = new WeakMap<object, { labels: string; summary: OfferSummary }>()

function summaryOf(offer: Record<string, unknown>, labels: Record<string, string>): OfferSummary {
  const key = JSON.stringify(labels)
  const known = summaries.get(offer)
  if (known?.labels === key) return known.summary
  const summary = summarizeOffer(offer, labels)
  summaries.set(offer, { labels: key, summary })
  return summary
}

/** Search of the local and federated catalog, and the DCAT-AP.de export for open data portals. */
export function catalogRoutes(router: Router, init: CatalogRoutesInit): void {
  router.get('/api/v1/catalog', async (ctx) => {
    const text = (name: string) =>
      typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined
    const wait = text('wait') === undefined ? DEFAULT_REFRESH_WAIT_MS : Number(text('wait'))
    if (!Number.isInteger(wait) || wait < 0 || wait > 60_000) {
      throw new InvalidInputError('wait must be a whole number of milliseconds from 0 to 60000')
    }
    const { hits, refresh } = await init.federation.search({
      ...(text('q') === undefined ? {} : { q: text('q') }),
      ...(text('theme') === undefined ? {} : { theme: text('theme') }),
      ...(text('publisher') === undefined ? {} : { publisher: text('publisher') }),
      refresh: text('refresh') === 'true',
      answerWithinMs: wait,
    })
    const names = (await init.providerNames?.()) ?? new Map<string, string>()
    // Each offer in words, naming provider and publisher as the hit does.
    ctx.body = {
      datasets: hits.map((hit) => ({
        ...hit,
        ...(names.get(hit.provider) === undefined ? {} : { providerName: names.get(hit.provider) }),
        offers: hit.offers.map((offer) =>
          summaryOf(offer, {
            ...init.names,
            ...(hit.publisher === undefined ? {} : { [hit.provider]: hit.publisher }),
          }),
        ),
      })),
      ...(refresh === undefined ? {} : { refresh }),
    }
  })
  router.get('/api/v1/catalog/dcat-ap.jsonld', async (ctx) => {
    ctx.type = 'application/ld+json'
    ctx.body = toDcatApDeJsonLd(await init.catalog.list(), init.exportOptions())
  })
  router.get('/api/v1/catalog/dcat-ap.ttl', async (ctx) => {
    ctx.type = 'text/turtle'
    ctx.body = await toDcatApDeTurtle(await init.catalog.list(), init.exportOptions())
  })
}
