import type { Logger } from '../log/index.js'
import type { Catalog, CatalogChange } from './catalog.js'
import { SkippedOfferLog, salvageCatalogAnswer, salvageDatasetAnswer } from './catalog-answer.js'
import { catalogDigest, isUnchangedAnswer } from './catalog-digest.js'
import { type CatalogSummary, SummarySchedule } from './catalog-summaries.js'
import type { JsonObject } from './dataset.js'
import { InvalidCatalogError, ProviderTimeoutError } from './errors.js'
import {
  type CatalogAnnouncement,
  type CatalogMatches,
  type CatalogQuery,
  type CatalogSearchHit,
  type FederatedCatalogCache,
  versionOf,
} from './federated-cache.js'
import { FetchLanes } from './fetch-lanes.js'
import { chooseOffer } from './offer-resolution.js'

/** How the federation reaches the network; the libp2p binding implements it. */
export interface CatalogNetwork {
  /** Tells the data space that one of this node's datasets changed. */
  announce(announcement: CatalogAnnouncement): Promise<void>
  /** Tells the data space this node is there and repeats its recent changes (the network adds its addresses). */
  announceSummary(summary: Pick<CatalogSummary, 'provider' | 'changes'>): Promise<void>
  /**
   * Asks one provider for its DSP catalog, as it shows it to this node (unchecked: the cache checks it); with
   * `knownDigest`, only if it changed since the answer with that digest (see `catalog-digest.ts`).
   */
  fetchCatalog(provider: string, knownDigest?: string): Promise<unknown>
  /** Asks one provider for one dataset, as it shows it to this node (DSP `DatasetRequestMessage`). */
  fetchDataset(provider: string, datasetId: string): Promise<unknown>
  /** Providers this node can ask now: admitted peers, and members it knows but is not connected to. */
  providers(): Promise<string[]>
  /**
   * The providers again once the node has freshened what it knows of the members (it may ask a peer for the
   * members that joined lately): a refresh asks those {@link providers} did not name as well. Without it, a
   * refresh asks those alone.
   */
  providersFreshened?(): Promise<string[]>
  /** How many members this node knows, itself excluded (the presence interval grows with them). */
  members(): number
}

/** A federated search: the criteria of {@link CatalogQuery}, and whether to ask every provider first. */
export interface FederatedQuery extends CatalogQuery {
  readonly refresh?: boolean
  /** With `refresh`: answer by then with what arrived, naming the providers still being asked. */
  readonly answerWithinMs?: number
}

/** How a refresh across providers went; `pending` providers were still being asked at the deadline. */
export interface RefreshOutcome {
  readonly providers: number
  readonly answered: number
  readonly failed: number
  /** Still being asked when the answer was due; their catalogs reach the cache when they answer. */
  readonly pending: readonly string[]
}

/** Limits of a refresh: how many providers are asked at once, and how long one may take. */
export interface FanOutLimits {
  /** Providers asked at the same time (default 16): a refresh never opens hundreds of streams at once. */
  readonly concurrency?: number
  /** One provider's answer is given up after this long (default 10 s). */
  readonly perProviderMs?: number
  /** How often a node publishes its summary without a change (default 2 minutes). */
  readonly presenceMs?: number
  /**
   * An announced dataset that has to be asked for (not carried in the announcement) is asked after a random
   * pause of up to this long (default 1 s): every member hears the announcement at once, and asking together
   * they would all wait on the one provider.
   */
  readonly fetchJitterMs?: number
}

/** How this node's cache learnt of other providers' datasets since it started (for `/metrics`). */
export interface FederationCounts {
  /** Datasets taken from the announcement of their change, without asking the provider. */
  readonly fromAnnouncements: number
  /** Datasets asked for one by one after an announcement or summary. */
  readonly datasetRequests: number
  /** Whole catalogs taken in (refreshed searches, an offer not in the cache). */
  readonly catalogRequests: number
  /** Catalogs asked for whose provider answered that nothing changed since the answer this node holds. */
  readonly unchangedCatalogs: number
}

/**
 * Largest announcement on the gossip topic, with the dataset it carries: a larger one goes without the dataset
 * (receivers ask for it), so a gossip message stays small for every relay.
 */
export const MAX_ANNOUNCEMENT_BYTES = 64 * 1024

/** Dataset requests after announcements that run at once (the rest wait): a burst of changes is no flood. */
const ANNOUNCED_FETCH_LANES = 4

export interface CatalogFederationComponents {
  readonly catalog: Catalog
  readonly cache: FederatedCatalogCache
  readonly network: CatalogNetwork
  readonly log: Logger
  readonly self: string
  /**
   * One of this node's datasets as every member sees it (a DSP `Dataset`), to carry in the announcement of
   * its change; undefined when members see it differently. Without it announcements carry no dataset.
   */
  readonly sharedDataset?: (datasetId: string) => Promise<unknown>
}

/**
 * The federated catalog of a node: announces its own changes, refreshes the cache when a peer
 * announces a newer version, and on request asks all admitted peers at once. No central index: each
 * provider answers for itself and filters per requester.
 */
export class CatalogFederation {
  private unsubscribe?: () => void
  private readonly skippedOffers: SkippedOfferLog
  /** Catalog requests under way, by provider: a refresh while one is running joins it. */
  private readonly fetching = new Map<string, Promise<number>>()
  /** Dataset requests under way: an announcement and a summary repeating it ask once. */
  private readonly fetchingDatasets = new Map<string, Promise<void>>()
  private readonly concurrency: number
  private readonly perProviderMs: number
  private readonly summaries: SummarySchedule
  private readonly fetchJitterMs: number
  private readonly announcedFetches = new FetchLanes(ANNOUNCED_FETCH_LANES)
  private readonly counts = {
    fromAnnouncements: 0,
    datasetRequests: 0,
    catalogRequests: 0,
    unchangedCatalogs: 0,
  }

  constructor(
    private readonly components: CatalogFederationComponents,
    limits: FanOutLimits = {},
  ) {
    this.skippedOffers = new SkippedOfferLog(components.log)
    this.concurrency = limits.concurrency ?? 16
    this.perProviderMs = limits.perProviderMs ?? 10_000
    this.fetchJitterMs = limits.fetchJitterMs ?? 1_000
    this.summaries = new SummarySchedule({
      publish: (changes) => this.announceSummary(changes),
      members: () => components.network.members() + 1,
      ...(limits.presenceMs === undefined ? {} : { presenceMs: limits.presenceMs }),
    })
  }

  start(): void {
    this.unsubscribe = this.components.catalog.onChange((change) => {
      this.summaries.changed(change)
      void this.announce(change)
    })
    this.summaries.start()
  }

  stop(): void {
    this.unsubscribe?.()
    this.summaries.stop()
  }

  /** The network met a peer on the catalog topic: the first one makes this node say it is there. */
  metPeer(): void {
    this.summaries.metPeer()
  }

  /** How the cache learnt of other providers' datasets since this node started. */
  federationCounts(): FederationCounts {
    return { ...this.counts }
  }

  /**
   * Handles a peer's announcement when the cached version is older: takes the dataset the announcement
   * carries, or else fetches the one announced dataset (not the whole catalog: with hundreds of members, each
   * change would otherwise move every catalog).
   */
  async onAnnouncement(announcement: CatalogAnnouncement): Promise<void> {
    const { provider, datasetId } = announcement
    if (provider === this.components.self) return
    // An announcement arriving while the dataset is being fetched joins that request; should the answer be
    // older than the announced version, the provider's next summary repeats it.
    const key = `${provider}\n${datasetId}`
    const running = this.fetchingDatasets.get(key)
    if (running !== undefined && announcement.removed !== true) return running
    const fetch = this.applyAndFetch(announcement).finally(() => {
      if (this.fetchingDatasets.get(key) === fetch) this.fetchingDatasets.delete(key)
    })
    this.fetchingDatasets.set(key, fetch)
    return fetch
  }

  /**
   * Handles a peer's summary: each repeated change is applied like an announcement, so only datasets newer
   * than the cached ones are fetched. A change that cannot be fetched now waits for the next summary.
   */
  async onSummary(summary: CatalogSummary): Promise<void> {
    if (summary.provider === this.components.self) return
    for (const change of summary.changes) {
      await this.onAnnouncement({ provider: summary.provider, ...change }).catch((error: Error) =>
        this.components.log.debug(
          { err: error.message, provider: summary.provider, dataset: change.datasetId },
          'repeated change not fetched',
        ),
      )
    }
  }

  private async applyAndFetch(announcement: CatalogAnnouncement): Promise<void> {
    const { provider, datasetId } = announcement
    if (!(await this.components.cache.applyAnnouncement(announcement))) return
    if (await this.takeCarried(announcement)) return
    await this.announcedFetches.run(async () => {
      await pause(Math.random() * this.fetchJitterMs)
      // The dataset may have arrived in the meantime (a summary, a refreshed search, another announcement).
      if (!(await this.components.cache.applyAnnouncement(announcement))) return
      const answer = await this.components.network.fetchDataset(provider, datasetId)
      this.counts.datasetRequests++
      const { dataset, skipped } = salvageDatasetAnswer(answer)
      this.skippedOffers.report(provider, skipped)
      await this.components.cache.ingestDataset(provider, dataset)
    })
  }

  /**
   * Caches the dataset an announcement carries, checked as a fetched answer is and required to be the announced
   * dataset at the announced version; returns false (the caller asks the provider) when there is none or it
   * does not hold. The network has checked the announcement's signer is the provider.
   */
  private async takeCarried(announcement: CatalogAnnouncement): Promise<boolean> {
    const { provider, datasetId, version } = announcement
    if (announcement.dataset === undefined) return false
    try {
      const { dataset, skipped } = salvageDatasetAnswer(announcement.dataset)
      if (dataset['@id'] !== datasetId || versionOf(dataset) !== version) {
        throw new InvalidCatalogError(
          `the carried dataset is ${String(dataset['@id'])} version ${versionOf(dataset)}, not the announced ${datasetId} version ${version}`,
        )
      }
      this.skippedOffers.report(provider, skipped)
      await this.components.cache.ingestDataset(provider, dataset)
      this.counts.fromAnnouncements++
      return true
    } catch (error) {
      this.components.log.debug(
        { err: (error as Error).message, provider, dataset: datasetId },
        'announced dataset not taken as carried; asking the provider',
      )
      return false
    }
  }

  /**
   * Names for the terms of an agreement in words: each dataset of the federated catalog by its title,
   * each provider by its publisher.
   */
  async labels(): Promise<Record<string, string>> {
    const { hits } = await this.search({})
    return Object.fromEntries(
      hits.flatMap((hit) => [
        [hit.datasetId, hit.title],
        ...(hit.publisher === undefined ? [] : [[hit.provider, hit.publisher]]),
      ]),
    )
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
    const offers = (cached?.dataset as { hasPolicy?: unknown } | undefined)?.hasPolicy
    return chooseOffer(offers, offerId, { provider: `provider ${provider}`, dataset })
  }

  /**
   * Fetches one provider's catalog into the cache; returns the number of datasets cached. Offers
   * that break the DSP schema are left out and logged (once per provider per 10 minutes), never
   * hiding the provider's other datasets. A request to a provider that is still being asked joins the
   * running one: searches in quick succession (or a user pressing refresh again) must not pile up requests
   * on a slow provider, whose answers then come later still.
   */
  refreshProvider(provider: string): Promise<number> {
    const running = this.fetching.get(provider)
    if (running !== undefined) return running
    const fetch = this.fetchProvider(provider).finally(() => this.fetching.delete(provider))
    this.fetching.set(provider, fetch)
    return fetch
  }

  private async fetchProvider(provider: string): Promise<number> {
    const { cache, network } = this.components
    const held = cache.lastAnswerOf(provider)
    const catalog = await network.fetchCatalog(provider, held?.digest)
    if (held !== undefined && isUnchangedAnswer(catalog, provider, held.digest)) {
      this.counts.unchangedCatalogs++
      return held.datasets
    }
    this.counts.catalogRequests++
    const { catalog: valid, skipped } = salvageCatalogAnswer(catalog)
    this.skippedOffers.report(provider, skipped)
    return cache.ingestCatalog(provider, valid, catalogDigest(catalog))
  }

  /**
   * Asks every provider, a bounded number at a time, each within the per-provider time; a provider that
   * fails or is too slow is logged and skipped. The providers the node knows are asked at once, and those the
   * network names once it has freshened what it knows of the members join them (a partial answer does not
   * wait for that). With `answerWithinMs`, resolves by then at the latest, naming the providers still being
   * asked (they go on filling the cache in the background).
   */
  async refreshAll(options: { answerWithinMs?: number } = {}): Promise<RefreshOutcome> {
    const { network, log } = this.components
    const lanes = new FetchLanes(this.concurrency)
    const asked = new Set<string>()
    const pending = new Set<string>()
    const asking: Promise<void>[] = []
    let answered = 0
    let failed = 0
    const ask = async (provider: string) => {
      try {
        await withTimeout(this.refreshProvider(provider), this.perProviderMs, provider)
        answered++
      } catch (error) {
        failed++
        log.warn({ err: String(error), provider }, 'catalog refresh failed')
      } finally {
        pending.delete(provider)
      }
    }
    const askEach = (providers: readonly string[]) => {
      for (const provider of providers) {
        if (asked.has(provider)) continue
        asked.add(provider)
        pending.add(provider)
        asking.push(lanes.run(() => ask(provider)))
      }
    }
    askEach(await network.providers())
    const named = (network.providersFreshened?.() ?? Promise.resolve([])).then(askEach, (error: Error) =>
      log.debug({ err: error.message }, 'providers not freshened for the refresh'),
    )
    const all = named.then(() => Promise.all(asking))
    const outcome = () => ({ providers: asked.size, answered, failed, pending: [...pending] })
    if (options.answerWithinMs === undefined) {
      await all
      return outcome()
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, options.answerWithinMs)))])
    clearTimeout(timer)
    return outcome()
  }

  /**
   * Searches the local catalog and the cache, optionally refreshing from all providers first; with
   * `answerWithinMs` the refresh answers with what arrived by then and names the providers still pending.
   */
  async search(query: FederatedQuery): Promise<{ hits: CatalogSearchHit[]; refresh?: RefreshOutcome }> {
    const { matches, refresh } = await this.find(query)
    return { hits: await matches.page(0, matches.count()), ...(refresh === undefined ? {} : { refresh }) }
  }

  /** What {@link search} finds, counted, to be answered a page at a time. */
  async find(query: FederatedQuery): Promise<{ matches: CatalogMatches; refresh?: RefreshOutcome }> {
    const refresh =
      query.refresh === true
        ? await this.refreshAll(
            query.answerWithinMs === undefined ? {} : { answerWithinMs: query.answerWithinMs },
          )
        : undefined
    const matches = await this.components.cache.find({
      ...(query.q === undefined ? {} : { q: query.q }),
      ...(query.theme === undefined ? {} : { theme: query.theme }),
      ...(query.publisher === undefined ? {} : { publisher: query.publisher }),
    })
    return { matches, ...(refresh === undefined ? {} : { refresh }) }
  }

  private async announceSummary(changes: readonly CatalogChange[]): Promise<void> {
    try {
      await this.components.network.announceSummary({ provider: this.components.self, changes })
    } catch (error) {
      this.components.log.debug({ err: (error as Error).message }, 'catalog summary not published')
    }
  }

  private async announce(change: CatalogChange): Promise<void> {
    try {
      const dataset = change.removed ? undefined : await this.sharedDataset(change)
      await this.components.network.announce({
        provider: this.components.self,
        ...change,
        ...(dataset === undefined ? {} : { dataset }),
      })
    } catch (error) {
      this.components.log.warn(
        { err: (error as Error).message, dataset: change.datasetId },
        'announcement failed',
      )
    }
  }

  /** The changed dataset as every member sees it, if that is the announced version (a later change announces its own). */
  private async sharedDataset(change: CatalogChange): Promise<unknown> {
    try {
      const dataset = (await this.components.sharedDataset?.(change.datasetId)) as JsonObject | undefined
      return dataset !== undefined && versionOf(dataset) === change.version ? dataset : undefined
    } catch (error) {
      this.components.log.debug(
        { err: (error as Error).message, dataset: change.datasetId },
        'changed dataset not carried in its announcement',
      )
      return undefined
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function withTimeout<T>(work: Promise<T>, ms: number, provider: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeoutError(provider, ms)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
