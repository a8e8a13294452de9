import type { Router } from '@koa/router'
import {
  type Catalog,
  type CatalogFederation,
  type DcatApDeExportOptions,
  type SearchHitAnswers,
  toDcatApDeJsonLd,
  toDcatApDeTurtle,
} from '../../catalog/index.js'
import { InvalidInputError } from '../../protocol/index.js'
import { textParam, wholeNumberParam } from '../query-params.js'

/** A refreshed search answers within this long by default, with the providers still pending named. */
const DEFAULT_REFRESH_WAIT_MS = 1500
/**
 * Hits per answer by default, and at most. A search of a hundred providers' catalogs can match thousands of
 * datasets: answering all of them, each with its offers in words, took 0.65 s for 9,400 hits at N = 100.
 */
const DEFAULT_PAGE = 100
const MAX_PAGE = 1000

export interface CatalogRoutesInit {
  readonly catalog: Catalog
  readonly federation: CatalogFederation
  /** Catalog-level metadata of the DCAT-AP.de export. */
  readonly exportOptions: () => DcatApDeExportOptions
  /** The municipality's names of provider DIDs, as this node knows them (asked once per search). */
  readonly providerNames?: () => Promise<ReadonlyMap<string, string>>
  /** Each hit's part of the search answer, with the offers explained as in this node's earlier searches. */
  readonly answers: SearchHitAnswers
}

/** Search of the local and federated catalog, and the DCAT-AP.de export for open data portals. */
export function catalogRoutes(router: Router, init: CatalogRoutesInit): void {
  router.get('/api/v1/catalog', async (ctx) => {
    const text = (name: string) => textParam(ctx.query, name)
    const wait = wholeNumberParam(ctx.query, 'wait', {
      min: 0,
      max: 60_000,
      fallback: DEFAULT_REFRESH_WAIT_MS,
    })
    const limit = wholeNumberParam(ctx.query, 'limit', { min: 1, max: MAX_PAGE, fallback: DEFAULT_PAGE })
    const offset = wholeNumberParam(ctx.query, 'offset', {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    })
    const local = text('local')
    if (local !== undefined && local !== 'true' && local !== 'false') {
      throw new InvalidInputError('"local" must be true or false')
    }
    const { matches, refresh } = await init.federation.find({
      ...(text('q') === undefined ? {} : { q: text('q') }),
      ...(text('theme') === undefined ? {} : { theme: text('theme') }),
      ...(text('publisher') === undefined ? {} : { publisher: text('publisher') }),
      refresh: text('refresh') === 'true',
      answerWithinMs: wait,
    })
    const withOwn = local !== 'false'
    const names = (await init.providerNames?.()) ?? new Map<string, string>()
    // `{"datasets": [...], "total": ..., ...}` put together from each hit's JSON, for this page's hits only.
    const datasets = (await matches.page(offset, limit, withOwn))
      .map((hit) => init.answers.json(hit, names.get(hit.provider)))
      .join(',')
    const page = {
      total: matches.count(withOwn),
      offset,
      limit,
      ...(refresh === undefined ? {} : { refresh }),
    }
    ctx.type = 'application/json'
    ctx.body = `{"datasets":[${datasets}],${JSON.stringify(page).slice(1)}`
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
