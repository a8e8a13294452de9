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

/** A refreshed search answers within this long by default, with the providers still pending named. */
const DEFAULT_REFRESH_WAIT_MS = 1500

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
    const datasets = hits.map((hit) => init.answers.json(hit, names.get(hit.provider))).join(',')
    ctx.type = 'application/json'
    ctx.body = `{"datasets":[${datasets}]${refresh === undefined ? '' : `,"refresh":${JSON.stringify(refresh)}`}}`
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
