import type { Router } from '@koa/router'
import {
  type Catalog,
  type CatalogFederation,
  type CatalogSearchHit,
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
 * Offers in words by their terms (everything but their id) and the names they use: offers made from one
 * template differ in their id alone, and a provider's hundred datasets were explained a hundred times alike.
 * The oldest explanations give way beyond {@link MAX_EXPLAINED}.
 */
const explained = new Map<string, Omit<OfferSummary, 'id'>>()
const MAX_EXPLAINED = 2_000

function summaryOf(offer: Record<string, unknown>, labels: Record<string, string>): OfferSummary {
  const { '@id': _id, uid: _uid, ...terms } = offer
  const key = JSON.stringify([terms, labels])
  let words = explained.get(key)
  if (words === undefined) {
    const { id: _, ...summary } = summarizeOffer(offer, labels)
    words = summary
    explained.set(key, words)
    if (explained.size > MAX_EXPLAINED) explained.delete(explained.keys().next().value!)
  }
  return { id: String(offer['@id'] ?? offer.uid ?? ''), ...words }
}

/**
 * Each cached dataset's part of a search answer (UTF-8 JSON), kept with the hit object the federated cache hands
 * out until the provider's dataset changes: with a hundred providers of a hundred datasets, building, explaining
 * and serialising a thousand hits anew on every search was most of its time (and of the garbage collector's).
 * Keyed by the provider's name too, which may change while the hit does not.
 */
const hitAnswers = new WeakMap<CatalogSearchHit, { providerName: string | undefined; json: Buffer }>()

/** One hit as the search answers it: each offer in words, naming provider and publisher as the hit does. */
function hitAnswer(
  hit: CatalogSearchHit,
  providerName: string | undefined,
  names: Record<string, string> | undefined,
): object {
  return {
    ...hit,
    ...(providerName === undefined ? {} : { providerName }),
    offers: hit.offers.map((offer) =>
      summaryOf(offer, {
        ...names,
        ...(hit.publisher === undefined ? {} : { [hit.provider]: hit.publisher }),
      }),
    ),
  }
}

/** {@link hitAnswer} as JSON, from {@link hitAnswers} for a cached dataset (a local one is read anew each search). */
function hitJson(
  hit: CatalogSearchHit,
  providerName: string | undefined,
  names: Record<string, string> | undefined,
): Buffer {
  const known = hit.local ? undefined : hitAnswers.get(hit)
  if (known !== undefined && known.providerName === providerName) return known.json
  const json = Buffer.from(JSON.stringify(hitAnswer(hit, providerName, names)))
  if (!hit.local) hitAnswers.set(hit, { providerName, json })
  return json
}

const COMMA = Buffer.from(',')

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
    // `{"datasets": [...], "refresh": ...}` put together from each hit's JSON.
    const parts: Buffer[] = [Buffer.from('{"datasets":[')]
    hits.forEach((hit, i) => {
      if (i > 0) parts.push(COMMA)
      parts.push(hitJson(hit, names.get(hit.provider), init.names))
    })
    parts.push(Buffer.from(refresh === undefined ? ']}' : `],"refresh":${JSON.stringify(refresh)}}`))
    ctx.type = 'application/json'
    ctx.body = Buffer.concat(parts)
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
