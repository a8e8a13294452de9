import type { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import type { DidResolver } from '../identity/index.js'
import type { Store, Sublevel } from '../store/index.js'
import { StatusListError, StatusListUnavailableError } from './errors.js'
import type { SigningKey } from './signing.js'
import { issueCredential, type StatusChecker, verifyCredential } from './vc.js'
import { loadVcLibraries } from './vc-libraries.js'
import { asArray, idOf, type JsonLdObject, messageOf } from './verification.js'

/** Entries per list: 131,072 bits (16 KiB), the Bitstring Status List minimum for group privacy (§6.1). */
export const STATUS_LIST_LENGTH = 131_072
const URL_PREFIX = 'urn:allmende:status:'

/** The `credentialStatus` entry a credential carries (Bitstring Status List §2.1). */
export interface StatusEntry {
  id: string
  type: 'BitstringStatusListEntry'
  statusPurpose: 'revocation'
  statusListIndex: string
  statusListCredential: string
}

/**
 * The opaque URL of an issuer's status list: `urn:allmende:status:<issuerDid>:<listId>`. A fetcher routes it
 * to the issuer (libp2p, management API) with {@link parseStatusListUrl}; nothing resolves it on the web.
 */
export function statusListUrl(issuerDid: string, listId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(listId)) throw new StatusListError(`invalid status list id "${listId}"`)
  return `${URL_PREFIX}${issuerDid}:${listId}`
}

/** The issuer DID and list id inside a {@link statusListUrl}. */
export function parseStatusListUrl(url: string): { issuerDid: string; listId: string } {
  const rest = url.startsWith(URL_PREFIX) ? url.slice(URL_PREFIX.length) : ''
  const colon = rest.lastIndexOf(':')
  const issuerDid = rest.slice(0, colon)
  const listId = rest.slice(colon + 1)
  if (colon < 0 || !issuerDid.startsWith('did:') || listId.length === 0) {
    throw new StatusListError(`not an Allmende status list URL: ${url}`)
  }
  return { issuerDid, listId }
}

interface StoredList {
  listId: string
  length: number
  nextIndex: number
  encodedList: string
  credential: JsonLdObject
}

/**
 * An issuer's revocation lists, kept in a Store sublevel: allocates an index per credential, revokes by index,
 * and re-signs the list credential on every change so {@link StatusListIssuer.getStatusListCredential} can be
 * served as is. Operations are serialized; each change is one write.
 *
 * @example
 * ```ts
 * const lists = await StatusListIssuer.open({ store, key: nodeKey })
 * const entry = await lists.allocate()          // put into credential.credentialStatus
 * await lists.revoke(entry)
 * const listVc = await lists.getStatusListCredential(parseStatusListUrl(entry.statusListCredential).listId)
 * ```
 */
export class StatusListIssuer {
  private readonly lists: Sublevel<StoredList>
  private readonly key: SigningKey
  private readonly length: number
  private readonly now: () => Date
  private readonly decoded = new Map<string, BitstringStatusList>()
  private current: StoredList | undefined
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(lists: Sublevel<StoredList>, key: SigningKey, length: number, now: () => Date) {
    this.lists = lists
    this.key = key
    this.length = length
    this.now = now
  }

  /** Opens the lists of `key`'s DID in `store` (sublevel `status-lists`), resuming the newest list. */
  static async open(init: {
    store: Store
    key: SigningKey
    /** Entries per list; default {@link STATUS_LIST_LENGTH}. */
    length?: number
    now?: () => Date
  }): Promise<StatusListIssuer> {
    const length = init.length ?? STATUS_LIST_LENGTH
    if (!Number.isInteger(length) || length < 8 || length % 8 !== 0) {
      throw new StatusListError(`a status list length must be a positive multiple of 8, got ${length}`)
    }
    const issuer = new StatusListIssuer(
      init.store.sublevel<StoredList>('status-lists'),
      init.key,
      length,
      init.now ?? (() => new Date()),
    )
    const prefix = `${init.key.did} `
    for await (const [key, value] of issuer.lists.iterator({ gte: prefix, lt: `${init.key.did}!` })) {
      const list = value as StoredList
      if (
        key.startsWith(prefix) &&
        (issuer.current === undefined || listNumber(list) > listNumber(issuer.current))
      ) {
        issuer.current = list
      }
    }
    return issuer
  }

  /** A fresh index for a new credential, as the `credentialStatus` entry to put into it. */
  allocate(): Promise<StatusEntry> {
    return this.serialize(async () => {
      let list = this.current
      if (list === undefined || list.nextIndex >= list.length) {
        list = await this.createList(String(list === undefined ? 1 : listNumber(list) + 1))
      }
      const index = list.nextIndex
      const updated = { ...list, nextIndex: index + 1 }
      await this.lists.put(this.storageKey(list.listId), updated)
      this.current = updated
      const url = statusListUrl(this.key.did, list.listId)
      return {
        id: `${url}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: url,
      }
    })
  }

  /** Revokes the credential with this status entry (or list id and index); re-signs the list credential. */
  revoke(entry: StatusEntry | { listId: string; index: number }): Promise<void> {
    const { listId, index } = 'listId' in entry ? entry : entryPosition(entry, this.key.did)
    return this.serialize(async () => {
      const stored = await this.load(listId)
      if (!Number.isInteger(index) || index < 0 || index >= stored.nextIndex) {
        throw new StatusListError(`index ${index} of status list ${listId} was never allocated`)
      }
      const list = await this.decodedList(stored)
      if (list.getStatus(index)) return
      list.setStatus(index, true)
      const updated = await this.sign(stored.listId, stored.length, stored.nextIndex, list)
      await this.lists.put(this.storageKey(listId), updated)
      if (this.current?.listId === listId) this.current = updated
    })
  }

  /** Whether an index is revoked, from the issuer's own records. */
  async isRevoked(listId: string, index: number): Promise<boolean> {
    const stored = await this.load(listId)
    if (index < 0 || index >= stored.length)
      throw new StatusListError(`index ${index} is outside status list ${listId}`)
    return (await this.decodedList(stored)).getStatus(index)
  }

  /** The signed `BitstringStatusListCredential` of a list, to serve to verifiers as is. */
  async getStatusListCredential(listId: string): Promise<JsonLdObject> {
    return structuredClone((await this.load(listId)).credential)
  }

  private async createList(listId: string): Promise<StoredList> {
    const { bsl } = await loadVcLibraries()
    const list = await bsl.createList({ length: this.length })
    const stored = await this.sign(listId, this.length, 0, list)
    await this.lists.put(this.storageKey(listId), stored)
    return stored
  }

  private async sign(
    listId: string,
    length: number,
    nextIndex: number,
    list: BitstringStatusList,
  ): Promise<StoredList> {
    const url = statusListUrl(this.key.did, listId)
    const now = this.now()
    const { bsl } = await loadVcLibraries()
    const unsigned = await bsl.createCredential({ id: url, list, statusPurpose: 'revocation' })
    unsigned.issuer = this.key.did
    unsigned.validFrom = now.toISOString()
    const credential = await issueCredential(unsigned, this.key, { now })
    const encodedList = (credential.credentialSubject as { encodedList: string }).encodedList
    this.decoded.set(listId, list)
    return { listId, length, nextIndex, encodedList, credential }
  }

  private async load(listId: string): Promise<StoredList> {
    if (this.current?.listId === listId) return this.current
    const stored = (await this.lists.get(this.storageKey(listId))) as StoredList | undefined
    if (stored === undefined) throw new StatusListError(`no status list ${listId} of ${this.key.did}`)
    return stored
  }

  private async decodedList(stored: StoredList): Promise<BitstringStatusList> {
    let list = this.decoded.get(stored.listId)
    if (list === undefined) {
      const { bsl } = await loadVcLibraries()
      list = await bsl.decodeList({ encodedList: stored.encodedList })
      this.decoded.set(stored.listId, list)
    }
    return list
  }

  private storageKey(listId: string): string {
    return `${this.key.did} ${listId}`
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation)
    this.queue = result.catch(() => undefined)
    return result
  }
}

function listNumber(list: StoredList): number {
  return Number.parseInt(list.listId, 10)
}

function entryPosition(entry: StatusEntry, issuerDid: string): { listId: string; index: number } {
  const { issuerDid: listIssuer, listId } = parseStatusListUrl(entry.statusListCredential)
  if (listIssuer !== issuerDid)
    throw new StatusListError(`the status list ${entry.statusListCredential} is not ${issuerDid}'s`)
  return { listId, index: Number.parseInt(entry.statusListIndex, 10) }
}

/** Fetches a status list credential by its URL; the lead plugs in libp2p, tests a function. */
export type StatusListFetcher = (listUrl: string) => Promise<JsonLdObject>

interface CachedList {
  readonly issuer: string
  readonly purpose: string
  readonly list: BitstringStatusList
  readonly expiresAt: number
  /** The signed list as fetched, to hand on to peers that ask this node for it. */
  readonly credential: JsonLdObject
}

/**
 * The verifier's side of revocation: fetches status list credentials through an injected fetcher, verifies
 * them (signature, same issuer, purpose), keeps the decoded lists for a bounded time (default 60 s), and
 * reads the bit itself — `bsl.checkStatus` reports `verified: true` for revoked credentials.
 */
export class StatusListCache implements StatusChecker {
  private readonly fetcher: StatusListFetcher
  private readonly ttlMs: number
  private readonly maxLists: number
  private readonly clock: () => number
  private readonly resolver: DidResolver | undefined
  private readonly lists = new Map<string, Promise<CachedList>>()
  /** The newest `validFrom` seen per list: an older copy (handed on by a peer) is not taken. */
  private readonly newest = new Map<string, number>()

  constructor(init: {
    fetcher: StatusListFetcher
    /** How long a fetched list is trusted, ms; default 60,000. */
    ttlMs?: number
    /** Lists kept at most; the oldest is dropped first. Default 1,000. */
    maxLists?: number
    /** Milliseconds since the epoch; default `Date.now`. */
    clock?: () => number
    resolver?: DidResolver
  }) {
    this.fetcher = init.fetcher
    this.ttlMs = init.ttlMs ?? 60_000
    this.maxLists = init.maxLists ?? 1_000
    this.clock = init.clock ?? Date.now
    this.resolver = init.resolver
  }

  /** Reads the status bit of a credential's (first) `BitstringStatusListEntry`. */
  async check(credential: JsonLdObject): Promise<{ revoked: boolean; listUrl: string; index: number }> {
    const entry = asArray(credential.credentialStatus as JsonLdObject | JsonLdObject[] | undefined)[0]
    if (entry === undefined) throw new StatusListError('the credential has no credentialStatus')
    const listUrl = String(entry.statusListCredential)
    if (entry.type !== 'BitstringStatusListEntry') {
      throw new StatusListUnavailableError(listUrl, `unsupported status entry type ${String(entry.type)}`)
    }
    const index = Number(entry.statusListIndex)
    const cached = await this.get(listUrl)
    const issuer = idOf(credential.issuer)
    if (cached.issuer !== issuer) {
      throw new StatusListUnavailableError(
        listUrl,
        `the status list is issued by ${cached.issuer}, the credential by ${issuer}`,
      )
    }
    if (cached.purpose !== entry.statusPurpose) {
      throw new StatusListUnavailableError(
        listUrl,
        `the status list is for ${cached.purpose}, the entry for ${String(entry.statusPurpose)}`,
      )
    }
    if (!Number.isInteger(index) || index < 0 || index >= cached.list.length) {
      throw new StatusListUnavailableError(
        listUrl,
        `status index ${String(entry.statusListIndex)} is outside the list`,
      )
    }
    return { revoked: cached.list.getStatus(index), listUrl, index }
  }

  /** Verifies and keeps a status list credential obtained otherwise (e.g. bundled with a presentation). */
  async add(listCredential: JsonLdObject): Promise<void> {
    const listUrl = String(listCredential.id)
    const loaded = this.verifyList(listUrl, listCredential)
    this.remember(listUrl, loaded)
    await loaded
  }

  /**
   * The signed list credential held for `listUrl` while it is fresh (fetched within the cache period), without
   * fetching: a node hands it on to peers, so they need not all ask its issuer.
   */
  async fresh(listUrl: string): Promise<JsonLdObject | undefined> {
    const cached = await this.lists.get(listUrl)?.catch(() => undefined)
    return cached !== undefined && cached.expiresAt > this.clock() ? cached.credential : undefined
  }

  /** The signed list credential for `listUrl`, fetched (and verified) anew when the one held is no longer fresh. */
  async current(listUrl: string): Promise<JsonLdObject> {
    return (await this.get(listUrl)).credential
  }

  /** Drops a cached list, so the next check fetches it again. */
  invalidate(listUrl: string): void {
    this.lists.delete(listUrl)
  }

  private async get(listUrl: string): Promise<CachedList> {
    const pending = this.lists.get(listUrl)
    if (pending !== undefined) {
      const cached = await pending.catch(() => undefined)
      if (cached !== undefined && cached.expiresAt > this.clock()) return cached
      if (this.lists.get(listUrl) === pending) this.lists.delete(listUrl)
    }
    const loaded = this.fetch(listUrl)
    this.remember(listUrl, loaded)
    return loaded
  }

  private remember(listUrl: string, loaded: Promise<CachedList>): void {
    this.lists.delete(listUrl)
    if (this.lists.size >= this.maxLists) this.lists.delete(this.lists.keys().next().value!)
    this.lists.set(listUrl, loaded)
    loaded.catch(() => {
      if (this.lists.get(listUrl) === loaded) this.lists.delete(listUrl)
    })
  }

  private async fetch(listUrl: string): Promise<CachedList> {
    let listCredential: JsonLdObject
    try {
      listCredential = await this.fetcher(listUrl)
    } catch (cause) {
      throw new StatusListUnavailableError(
        listUrl,
        `cannot fetch the status list ${listUrl}: ${messageOf(cause)}`,
        { cause },
      )
    }
    return this.verifyList(listUrl, listCredential)
  }

  private async verifyList(listUrl: string, listCredential: JsonLdObject): Promise<CachedList> {
    if (listCredential.id !== listUrl) {
      throw new StatusListUnavailableError(
        listUrl,
        `got the status list ${String(listCredential.id)} for ${listUrl}`,
      )
    }
    if (!asArray(listCredential.type as string[]).includes('BitstringStatusListCredential')) {
      throw new StatusListUnavailableError(listUrl, `${listUrl} is not a BitstringStatusListCredential`)
    }
    const result = await verifyCredential(listCredential, {
      now: new Date(this.clock()),
      ...(this.resolver === undefined ? {} : { resolver: this.resolver }),
    })
    if (!result.verified) {
      throw new StatusListUnavailableError(
        listUrl,
        `the status list ${listUrl} does not verify (${result.check}: ${result.message})`,
      )
    }
    const subject = listCredential.credentialSubject as {
      type?: unknown
      encodedList?: unknown
      statusPurpose?: unknown
    }
    if (subject.type !== 'BitstringStatusList' || typeof subject.encodedList !== 'string') {
      throw new StatusListUnavailableError(
        listUrl,
        `the status list ${listUrl} has no BitstringStatusList subject`,
      )
    }
    let list: BitstringStatusList
    try {
      const { bsl } = await loadVcLibraries()
      list = await bsl.decodeList({ encodedList: subject.encodedList })
    } catch (cause) {
      throw new StatusListUnavailableError(listUrl, `the status list ${listUrl} cannot be decoded`, { cause })
    }
    // A list is signed anew on every change: a copy older than one seen before may hide a revocation.
    const validFrom = Date.parse(String(listCredential.validFrom ?? ''))
    if (Number.isFinite(validFrom)) {
      const newest = this.newest.get(listUrl) ?? Number.NEGATIVE_INFINITY
      if (validFrom < newest) {
        throw new StatusListUnavailableError(
          listUrl,
          `the status list ${listUrl} is older than the one this node saw before`,
        )
      }
      this.newest.delete(listUrl)
      if (this.newest.size >= this.maxLists) this.newest.delete(this.newest.keys().next().value!)
      this.newest.set(listUrl, validFrom)
    }
    return {
      issuer: result.issuer,
      purpose: String(subject.statusPurpose),
      list,
      expiresAt: this.clock() + this.ttlMs,
      credential: listCredential,
    }
  }
}
