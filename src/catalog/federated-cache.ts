import type { Store, Sublevel } from '../store/index.js'
import type { Catalog, CatalogClock } from './catalog.js'
import type { JsonObject } from './dataset.js'
import { InvalidCatalogError } from './errors.js'
import { foldText, matchesAllTerms, queryTerms } from './text-match.js'
import { DATA_THEME_BASE, DCAT, DCT, FOAF, ODRL_NS } from './vocabulary.js'

/** Name of the sublevel holding other providers' datasets, keyed by (provider DID, dataset id). */
export const CATALOG_CACHE_SUBLEVEL = 'catalog-cache'

/** A peer's announcement that one of its datasets changed (sent on the data space's gossipsub topic). */
export interface CatalogAnnouncement {
  /** The provider's DID. */
  readonly provider: string
  readonly datasetId: string
  readonly version: number
  readonly removed?: boolean
  /**
   * The changed dataset as every member sees it (a DSP `Dataset`, unchecked until the cache checks it), when
   * the provider carried it in the announcement: the receiver then asks nothing. Absent when what a member
   * sees depends on who asks, when it is too large for gossip, and from a provider of an earlier build.
   */
  readonly dataset?: unknown
}

/** One dataset of another provider, as its last DSP catalog answer showed it to this node. */
export interface CachedDataset {
  readonly provider: string
  readonly datasetId: string
  /** `dcat:version` of the answer; 0 when the provider gave none. */
  readonly version: number
  /** When this node fetched it as it is (ISO date-time): a later answer with the same dataset keeps the time. */
  readonly fetchedAt: string
  readonly title: string
  readonly description: string
  readonly keyword: readonly string[]
  readonly theme: readonly string[]
  readonly publisher?: { readonly name?: string; readonly id?: string }
  /** The DSP `Dataset` as received (offers, distributions, metadata). */
  readonly dataset: JsonObject
}

/** A federated search: all given criteria must hold. */
export interface CatalogQuery {
  /** Words, each of which must occur in title, description or keywords (case- and umlaut-tolerant). */
  readonly q?: string
  /** EU data theme, as code (`ENVI`) or IRI. */
  readonly theme?: string
  /** Part of the publisher's name, or its IRI. */
  readonly publisher?: string
}

/** One search result, naming the provider that holds the dataset. */
export interface CatalogSearchHit {
  readonly provider: string
  readonly datasetId: string
  readonly version: number
  readonly title: string
  readonly description: string
  readonly keyword: readonly string[]
  readonly theme: readonly string[]
  readonly publisher?: string
  /** True for a dataset of this node's own catalog. */
  readonly local: boolean
  /** Cache entries only: when the entry was fetched. */
  readonly fetchedAt?: string
  /** The ODRL offers visible to this node (all of them for its own datasets), as JSON-LD. */
  readonly offers: readonly JsonObject[]
}

export interface FederatedCatalogCacheComponents {
  readonly store: Store
  readonly clock: CatalogClock
  /** The local catalog, searched along with the cache. */
  readonly catalog: Catalog
}

export interface FederatedCatalogCacheInit {
  /** This node's DID: names its own datasets in search results. */
  readonly participantId: string
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function keyOf(provider: string, datasetId: string): string {
  return `${encodeURIComponent(provider)}/${encodeURIComponent(datasetId)}`
}

function providerOfKey(key: string): string {
  return decodeURIComponent(key.slice(0, key.indexOf('/')))
}

function datasetIdOfKey(key: string): string {
  return decodeURIComponent(key.slice(key.indexOf('/') + 1))
}

/** Reads a property written compact (`dct:title`) or as a full IRI. */
function prop(node: JsonObject, prefix: 'dct' | 'dcat', local: string): unknown {
  const ns = prefix === 'dct' ? DCT : DCAT
  return node[`${prefix}:${local}`] ?? node[ns + local]
}

/** The plain strings of a JSON-LD value: string, `{@value}`, or arrays of them. */
function literals(value: unknown): string[] {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value.flatMap(literals)
  if (typeof value === 'string') return [value]
  if (typeof value === 'number') return [String(value)]
  if (isObject(value) && value['@value'] !== undefined) return literals(value['@value'])
  return []
}

/** The IRIs of a JSON-LD value: string, `{@id}`, or arrays of them. */
function iris(value: unknown): string[] {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value.flatMap(iris)
  if (typeof value === 'string') return [value]
  if (isObject(value) && typeof value['@id'] === 'string') return [value['@id']]
  return []
}

/** The `odrl:hasPolicy` offers of a DSP dataset. */
function offersOf(dataset: JsonObject): JsonObject[] {
  const value = dataset.hasPolicy ?? dataset['odrl:hasPolicy'] ?? dataset[`${ODRL_NS}hasPolicy`]
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isObject)
}

function publisherOf(value: unknown): { name?: string; id?: string } | undefined {
  const node = Array.isArray(value) ? value[0] : value
  if (typeof node === 'string') return { id: node }
  if (!isObject(node)) return undefined
  const name = literals(node[`${FOAF}name`] ?? node['foaf:name'])[0]
  const id = typeof node['@id'] === 'string' ? node['@id'] : undefined
  if (name === undefined && id === undefined) return undefined
  return { ...(name === undefined ? {} : { name }), ...(id === undefined ? {} : { id }) }
}

/** A DSP dataset's `dcat:version`; 0 when it gives none. */
export function versionOf(dataset: JsonObject): number {
  const raw = literals(prop(dataset, 'dcat', 'version'))[0]
  const n = raw === undefined ? Number.NaN : Number(raw)
  return Number.isInteger(n) && n >= 0 ? n : 0
}

/** Every dataset of a catalog, nested catalogs included. */
function datasetsOf(catalog: JsonObject, depth = 0): JsonObject[] {
  if (depth > 8) throw new InvalidCatalogError('The catalog nests catalogs more than 8 deep')
  const own = catalog.dataset
  if (own !== undefined && !Array.isArray(own))
    throw new InvalidCatalogError('Catalog `dataset` must be an array')
  const nested = catalog.catalog
  if (nested !== undefined && !Array.isArray(nested))
    throw new InvalidCatalogError('Catalog `catalog` must be an array')
  const out: JsonObject[] = []
  for (const d of own ?? []) {
    if (!isObject(d) || typeof d['@id'] !== 'string' || d['@id'] === '') {
      throw new InvalidCatalogError('A catalog dataset has no @id')
    }
    out.push(d)
  }
  for (const c of nested ?? []) {
    if (!isObject(c)) throw new InvalidCatalogError('A nested catalog is not an object')
    out.push(...datasetsOf(c, depth + 1))
  }
  return out
}

function themeMatches(themes: readonly string[], wanted: string): boolean {
  const iri = wanted.includes(':') ? wanted : DATA_THEME_BASE + wanted.toUpperCase()
  return themes.includes(iri)
}

function publisherMatches(publisher: { name?: string; id?: string } | undefined, wanted: string): boolean {
  if (publisher === undefined) return false
  if (publisher.id !== undefined && publisher.id === wanted) return true
  return publisher.name !== undefined && matchesAllTerms(queryTerms(wanted), [publisher.name])
}

/**
 * The federated catalog cache: what other providers' DSP catalog answers showed this node, one
 * entry per (provider DID, dataset id) with version and fetch time, in the `catalog-cache`
 * sublevel. Gossipsub announcements say when an entry is stale ({@link applyAnnouncement}); the
 * caller then asks the provider (DSP `CatalogRequestMessage`) and hands the answer to
 * {@link ingestCatalog}.
 */
export class FederatedCatalogCache {
  private readonly store: Store
  private readonly entries: Sublevel<CachedDataset>
  private readonly clock: CatalogClock
  private readonly catalog: Catalog
  private readonly participantId: string
  /**
   * What a search matches and orders each entry by, loaded on the first search and kept in step with every
   * write: with a hundred providers of a hundred datasets, reading and parsing every stored DSP dataset per
   * search took seconds. A page's hits are read from the store (see {@link hitsOf}).
   */
  private index?: Promise<SearchIndex>
  private readonly listeners = new Set<() => void>()
  /** Per provider, the digest of the catalog answer cached exactly as answered (see {@link lastAnswerOf}). */
  private readonly lastAnswers = new Map<string, { digest: string; datasets: number }>()

  constructor(components: FederatedCatalogCacheComponents, init: FederatedCatalogCacheInit) {
    this.store = components.store
    this.entries = components.store.sublevel<CachedDataset>(CATALOG_CACHE_SUBLEVEL)
    this.clock = components.clock
    this.catalog = components.catalog
    this.participantId = init.participantId
  }

  /**
   * Applies a peer's announcement. Returns true when this node should fetch the provider's catalog
   * (the announced version is newer than the cached one, or the dataset is not cached); a removal
   * drops the cached entry (unless the cache already holds something newer) and returns false.
   */
  async applyAnnouncement(announcement: CatalogAnnouncement): Promise<boolean> {
    const { provider, datasetId, version } = announcement
    if (typeof provider !== 'string' || !provider.startsWith('did:')) {
      throw new InvalidCatalogError(`Announcement provider '${String(provider)}' is not a DID`)
    }
    if (typeof datasetId !== 'string' || datasetId === '') {
      throw new InvalidCatalogError('Announcement has no datasetId')
    }
    if (!Number.isInteger(version) || version < 0) {
      throw new InvalidCatalogError(`Announcement version '${String(version)}' is not a non-negative integer`)
    }
    const cached = (await this.entries.get(keyOf(provider, datasetId))) as CachedDataset | undefined
    if (announcement.removed === true) {
      if (cached !== undefined && cached.version <= version) {
        await this.write([{ type: 'del', sublevel: this.entries, key: keyOf(provider, datasetId) }])
      }
      return false
    }
    return cached === undefined || cached.version < version
  }

  /**
   * Caches a provider's DSP `Catalog` answer, replacing what was cached of that provider: datasets
   * absent from the answer (removed, or no longer visible to this node) are dropped, in the same
   * atomic batch. Refuses an answer whose `participantId` is not the provider asked.
   * A dataset exactly as cached is left as it is, with the time it was first fetched so: a refreshed search
   * asks every provider for its whole catalog, and rewriting a hundred unchanged datasets per provider was
   * most of the work of taking its answer in.
   * Returns the number of datasets cached.
   */
  async ingestCatalog(providerDid: string, catalog: unknown, digest?: string): Promise<number> {
    if (!isObject(catalog)) throw new InvalidCatalogError('A catalog answer must be a JSON object')
    const type = catalog['@type']
    if (type !== 'Catalog' && type !== 'dcat:Catalog' && type !== `${DCAT}Catalog`) {
      throw new InvalidCatalogError(`Expected a DSP Catalog, got @type '${String(type)}'`)
    }
    if (catalog.participantId !== providerDid) {
      throw new InvalidCatalogError(
        `The catalog answer is from participant '${String(catalog.participantId)}', not from ${providerDid}`,
      )
    }
    const datasets = datasetsOf(catalog)
    const fetchedAt = this.clock.now().toISOString()
    const fresh = new Map(datasets.map((d) => [keyOf(providerDid, d['@id'] as string), d]))
    // Compared with what the store holds of this provider, not with the search index: loading the index here
    // kept every node's whole cache in memory (a few MiB at 30 providers of 100 datasets) though most never search.
    const cached = new Map<string, string>()
    for (const entry of await this.entriesOf(providerDid)) {
      cached.set(keyOf(providerDid, entry.datasetId), JSON.stringify(entry.dataset))
    }
    const ops: CacheOp[] = []
    for (const key of cached.keys()) {
      if (!fresh.has(key)) ops.push({ type: 'del', sublevel: this.entries, key })
    }
    for (const [key, dataset] of fresh) {
      // Equal for a dataset answered exactly as before (a provider writes its keys in one order).
      if (cached.get(key) === JSON.stringify(dataset)) continue
      ops.push({
        type: 'put',
        sublevel: this.entries,
        key,
        value: this.entryOf(providerDid, dataset, fetchedAt),
      })
    }
    await this.write(ops)
    if (digest !== undefined) this.lastAnswers.set(providerDid, { digest, datasets: fresh.size })
    return fresh.size
  }

  /**
   * The digest of the provider's catalog answer the cache holds exactly as answered, and its datasets: none
   * once anything else changed what is cached of that provider (an announcement, a dataset asked for, a
   * removal), or after a restart.
   */
  lastAnswerOf(providerDid: string): { readonly digest: string; readonly datasets: number } | undefined {
    return this.lastAnswers.get(providerDid)
  }

  /** Caches one DSP `Dataset` answer (`GET /catalog/datasets/:id`) of a provider. */
  async ingestDataset(providerDid: string, dataset: unknown): Promise<CachedDataset> {
    if (!isObject(dataset) || typeof dataset['@id'] !== 'string' || dataset['@id'] === '') {
      throw new InvalidCatalogError('A dataset answer must be a JSON object with an @id')
    }
    const entry = this.entryOf(providerDid, dataset, this.clock.now().toISOString())
    await this.write([
      { type: 'put', sublevel: this.entries, key: keyOf(providerDid, entry.datasetId), value: entry },
    ])
    return entry
  }

  /** The cached entry, if any. */
  async get(providerDid: string, datasetId: string): Promise<CachedDataset | undefined> {
    return (await this.entries.get(keyOf(providerDid, datasetId))) as CachedDataset | undefined
  }

  /** Every cached entry of one provider. */
  async entriesOf(providerDid: string): Promise<CachedDataset[]> {
    const prefix = `${encodeURIComponent(providerDid)}/`
    const out: CachedDataset[] = []
    // '0' follows '/' in code point order: the range is exactly this provider's keys.
    for await (const value of this.entries.values({ gte: prefix, lt: `${prefix.slice(0, -1)}0` })) {
      out.push(value as CachedDataset)
    }
    return out
  }

  /** Drops everything cached of a provider (it left the data space, or its membership was revoked). */
  async forgetProvider(providerDid: string): Promise<number> {
    const keys = await this.keysOf(providerDid)
    await this.write(keys.map((key) => ({ type: 'del' as const, sublevel: this.entries, key })))
    return keys.length
  }

  /**
   * Searches the local catalog and the cache. Local datasets come first, then cached ones by
   * provider and title; each hit names its provider DID.
   */
  async search(query: CatalogQuery = {}): Promise<CatalogSearchHit[]> {
    const matches = await this.find(query)
    return await matches.page(0, matches.count())
  }

  /** What {@link search} finds, counted, to be answered a page at a time. */
  async find(query: CatalogQuery = {}): Promise<CatalogMatches> {
    const terms = queryTerms(query.q ?? '')
    const matches = (folded: string, theme: readonly string[], publisher: IndexedEntry['publisher']) =>
      terms.every((term) => folded.includes(term)) &&
      (query.theme === undefined || themeMatches(theme, query.theme)) &&
      (query.publisher === undefined || publisherMatches(publisher, query.publisher))

    const own: CatalogSearchHit[] = []
    for (const d of await this.catalog.list()) {
      if (!matches([d.title, d.description, ...d.keyword].map(foldText).join('\n'), d.theme, d.publisher))
        continue
      own.push({
        provider: this.participantId,
        datasetId: d.id,
        version: d.version,
        title: d.title,
        description: d.description,
        keyword: d.keyword,
        theme: d.theme,
        publisher: d.publisher.name,
        local: true,
        offers: d.offers.map((o) => o.offer),
      })
    }
    const cached: IndexedEntry[] = []
    for (const { did, entries } of (await this.loadIndex()).providers.values()) {
      if (did === this.participantId) continue
      for (const entry of entries.values()) {
        if (matches(entry.folded, entry.theme, entry.publisher)) cached.push(entry)
      }
    }
    cached.sort((a, b) =>
      a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : germanCollator().compare(a.title, b.title),
    )
    return new CatalogMatches(own, cached, (entries) => this.hitsOf(entries))
  }

  /**
   * The hits of index entries, read from the store: a hit the cache dropped since it was found is left out.
   * Read {@link HITS_PER_READ} at a time, without filling LevelDB's block cache: LevelDB gathers a read's
   * values on a worker thread, in that thread's own malloc arena, which keeps the memory once freed; a page of
   * a thousand read at once left 1.4 MiB resident in each of the four.
   */
  private async hitsOf(entries: readonly IndexedEntry[]): Promise<CatalogSearchHit[]> {
    const hits: CatalogSearchHit[] = []
    for (let from = 0; from < entries.length; from += HITS_PER_READ) {
      const slice = entries.slice(from, from + HITS_PER_READ)
      const stored = await this.entries.getMany(
        slice.map((e) => keyOf(e.provider, e.datasetId)),
        { fillCache: false } as object,
      )
      for (const [i, value] of stored.entries()) {
        if (value !== undefined) hits.push(hitOf(value as CachedDataset, slice[i]!.provider))
      }
    }
    return hits
  }

  /** The keys of one provider's entries. */
  private async keysOf(providerDid: string): Promise<string[]> {
    const prefix = `${encodeURIComponent(providerDid)}/`
    return this.entries.keys({ gte: prefix, lt: `${prefix.slice(0, -1)}0` }).all()
  }

  /** Calls `listener` after the cached entries changed; returns the remover. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Writes a batch, then brings the search index in step with it and tells the listeners. */
  private async write(ops: CacheOp[]): Promise<void> {
    if (ops.length === 0) return
    for (const op of ops) this.lastAnswers.delete(providerOfKey(op.key))
    await this.store.atomic(ops)
    for (const listener of this.listeners) listener()
    if (this.index === undefined) return
    const index = await this.index
    for (const op of ops) {
      if (op.type === 'del') index.delete(op.key)
      else index.add(op.value)
    }
  }

  private loadIndex(): Promise<SearchIndex> {
    this.index ??= (async () => {
      const index = new SearchIndex()
      for await (const value of this.entries.values()) index.add(value as CachedDataset)
      return index
    })()
    return this.index
  }

  private entryOf(provider: string, dataset: JsonObject, fetchedAt: string): CachedDataset {
    const publisher = publisherOf(prop(dataset, 'dct', 'publisher'))
    return {
      provider,
      datasetId: dataset['@id'] as string,
      version: versionOf(dataset),
      fetchedAt,
      title: literals(prop(dataset, 'dct', 'title'))[0] ?? '',
      description: literals(prop(dataset, 'dct', 'description'))[0] ?? '',
      keyword: literals(prop(dataset, 'dcat', 'keyword')),
      theme: iris(prop(dataset, 'dcat', 'theme')),
      ...(publisher === undefined ? {} : { publisher }),
      dataset,
    }
  }
}

/** Cached hits read from the store at once (the API's default page). */
const HITS_PER_READ = 100

type CacheOp =
  | { type: 'put'; sublevel: Sublevel<CachedDataset>; key: string; value: CachedDataset }
  | { type: 'del'; sublevel: Sublevel<CachedDataset>; key: string }

/** What a search found: this node's own datasets first, then cached ones by provider and title. */
export class CatalogMatches {
  constructor(
    private readonly own: readonly CatalogSearchHit[],
    private readonly cached: readonly IndexedEntry[],
    private readonly hitsOf: (entries: readonly IndexedEntry[]) => Promise<CatalogSearchHit[]>,
  ) {}

  /** How many were found; without `own`, of other providers only. */
  count(withOwn = true): number {
    return (withOwn ? this.own.length : 0) + this.cached.length
  }

  /**
   * At most `limit` hits from the `offset`-th on; without `own`, of other providers only. The cached ones are
   * read from the store as they are now: one dropped since the search is left out.
   */
  async page(offset: number, limit: number, withOwn = true): Promise<CatalogSearchHit[]> {
    const own = withOwn ? this.own : []
    const end = offset + limit
    // Sliced from each list apart: copying thousands of cached hits for a page of a hundred is waste.
    return [
      ...own.slice(offset, end),
      ...(await this.hitsOf(
        this.cached.slice(Math.max(0, offset - own.length), Math.max(0, end - own.length)),
      )),
    ]
  }
}

/** A cached entry as search matches and orders it; the hit itself is read from the store for a page that shows it. */
interface IndexedEntry {
  readonly provider: string
  readonly datasetId: string
  readonly title: string
  /** Title, description and keywords, folded. */
  readonly folded: string
  readonly theme: readonly string[]
  readonly publisher?: { readonly name?: string; readonly id?: string }
}

/**
 * The cached entries, per provider DID by dataset id, with only what matching and ordering read: 330 bytes of
 * heap per cached dataset. With each whole hit besides (offers, description, fetch time) it was 1.5 KB, and a
 * node that searched a hundred providers of a hundred datasets stayed at 92 MiB resident while idle, 80 now.
 */
class SearchIndex {
  readonly providers = new Map<string, ProviderEntries>()
  /** One copy of each provider's publisher for all its entries: each entry read from the store brings its own. */
  private readonly publishers = new Map<string, IndexedEntry['publisher']>()

  add(e: CachedDataset): void {
    let provider = this.providers.get(e.provider)
    if (provider === undefined) {
      provider = { did: e.provider, entries: new Map() }
      this.providers.set(e.provider, provider)
    }
    const { publisher } = e
    provider.entries.set(e.datasetId, {
      provider: provider.did,
      datasetId: e.datasetId,
      title: e.title,
      folded: [e.title, e.description, ...e.keyword].map(foldText).join('\n'),
      theme: e.theme.length === 0 ? NO_THEME : e.theme,
      ...(publisher === undefined ? {} : { publisher: this.publisherOnce(e.provider, publisher) }),
    })
  }

  delete(key: string): void {
    const did = providerOfKey(key)
    const provider = this.providers.get(did)
    provider?.entries.delete(datasetIdOfKey(key))
    if (provider?.entries.size === 0) this.providers.delete(did)
  }

  private publisherOnce(
    provider: string,
    publisher: NonNullable<IndexedEntry['publisher']>,
  ): IndexedEntry['publisher'] {
    const key = `${provider}\n${publisher.id ?? ''}\n${publisher.name ?? ''}`
    if (!this.publishers.has(key)) this.publishers.set(key, publisher)
    return this.publishers.get(key)
  }
}

/** One provider's entries by dataset id, and its DID as one string for all of them. */
interface ProviderEntries {
  readonly did: string
  readonly entries: Map<string, IndexedEntry>
}

const NO_THEME: readonly string[] = []

/** Made at the first search: a collator loads ICU's tables (2.2 MiB in a bare `node`), which a node that never searches needs not. */
let german: Intl.Collator | undefined
const germanCollator = (): Intl.Collator => (german ??= new Intl.Collator('de'))

function hitOf(e: CachedDataset, provider: string): CatalogSearchHit {
  return {
    provider,
    datasetId: e.datasetId,
    version: e.version,
    title: e.title,
    description: e.description,
    keyword: e.keyword,
    theme: e.theme,
    ...(e.publisher?.name === undefined ? {} : { publisher: e.publisher.name }),
    local: false,
    fetchedAt: e.fetchedAt,
    offers: offersOf(e.dataset),
  }
}
