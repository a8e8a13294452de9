import type { Logger } from '../log/index.js'
import { NotFoundError } from '../protocol/index.js'
import type { Catalog, CatalogChange } from './catalog.js'
import type { CatalogAnnouncement, CatalogSearchHit, FederatedCatalogCache } from './federated-cache.js'

/** How the federation reaches the network; the libp2p binding implements it. */
export interface CatalogNetwork {
  /** Tells the data space that one of this node's datasets changed. */
  announce(announcement: CatalogAnnouncement): Promise<void>
  /** Asks one provider for its DSP catalog, as it shows it to this node. */
  fetchCatalog(provider: string): Promise<unknown>
  /** Providers this node can ask right now (admitted peers). */
  providers(): string[]
}

export interface CatalogFederationComponents {
  readonly catalog: Catalog
  readonly cache: FederatedCatalogCache
  readonly network: CatalogNetwork
  readonly log: Logger
  readonly self: string
}

/**
 * The federated catalog of a node: announces its own changes, refreshes the cache when a peer
 * announces a newer version, and on request asks all admitted peers at once. No central index: each
 * provider answers for itself and filters per requester.
 */
export class CatalogFederation {
  private unsubscribe?: () => void

  constructor(private readonly components: CatalogFederationComponents) {}

  start(): void {
    this.unsubscribe = this.components.catalog.onChange((change) => void this.announce(change))
  }

  stop(): void {
    this.unsubscribe?.()
  }

  /** Handles a peer's announcement: fetches its catalog when the cached version is older. */
  async onAnnouncement(announcement: CatalogAnnouncement): Promise<void> {
    if (announcement.provider === this.components.self) return
    if (await this.components.cache.applyAnnouncement(announcement))
      await this.refreshProvider(announcement.provider)
  }

  /**
   * A provider's offer for a dataset as this node sees it (the first one without `offerId`), from
   * the cache or, when the cache has not seen the dataset, from the provider asked right now.
   */
  async offerOf(provider: string, dataset: string, offerId?: string): Promise<Record<string, unknown>> {
    const { cache } = this.components
    let cached = await cache.get(provider, dataset)
    if (cached === undefined) {
      await this.refreshProvider(provider)
      cached = await cache.get(provider, dataset)
    }
    const offers = (cached?.dataset as { hasPolicy?: Record<string, unknown>[] } | undefined)?.hasPolicy ?? []
    const offer = offerId === undefined ? offers[0] : offers.find((o) => o['@id'] === offerId)
    if (offer === undefined) {
      throw new NotFoundError(
        `provider ${provider} offers no ${offerId === undefined ? 'offer' : `offer ${offerId}`} for dataset ${dataset} to this node`,
      )
    }
    return offer
  }

  /** Fetches one provider's catalog into the cache; returns the number of datasets cached. */
  async refreshProvider(provider: string): Promise<number> {
    const catalog = await this.components.network.fetchCatalog(provider)
    return this.components.cache.ingestCatalog(provider, catalog)
  }

  /** Asks every admitted peer in parallel; a peer that fails is logged and skipped. */
  async refreshAll(): Promise<{ providers: number; failed: number }> {
    const providers = this.components.network.providers()
    const results = await Promise.allSettled(providers.map((p) => this.refreshProvider(p)))
    const failed = results.filter((r) => r.status === 'rejected')
    for (const failure of failed) {
      this.components.log.warn(
        { err: String((failure as PromiseRejectedResult).reason) },
        'catalog refresh failed',
      )
    }
    return { providers: providers.length, failed: failed.length }
  }

  /** Searches the local catalog and the cache, optionally refreshing from all peers first. */
  async search(query: {
    q?: string
    theme?: string
    publisher?: string
    refresh?: boolean
  }): Promise<CatalogSearchHit[]> {
    if (query.refresh === true) await this.refreshAll()
    return this.components.cache.search({
      ...(query.q === undefined ? {} : { q: query.q }),
      ...(query.theme === undefined ? {} : { theme: query.theme }),
      ...(query.publisher === undefined ? {} : { publisher: query.publisher }),
    })
  }

  private async announce(change: CatalogChange): Promise<void> {
    try {
      await this.components.network.announce({ provider: this.components.self, ...change })
    } catch (error) {
      this.components.log.warn(
        { err: (error as Error).message, dataset: change.datasetId },
        'announcement failed',
      )
    }
  }
}
