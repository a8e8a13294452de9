import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  type CatalogAnnouncement,
  type CatalogNetwork,
  type CatalogSummary,
  ifChangedFilter,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_RECENT,
} from '../../catalog/index.js'
import { didKeyFromPeerId } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import {
  catalogTopic,
  createCatalogRequestMessage,
  createDatasetRequestMessage,
} from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { connectedPeers } from './connected-peers.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import type { P2pDspEndpoint } from './dsp-endpoint.js'

/** What the catalog network hands on from the data space's catalog topic. */
export interface CatalogTopicHandlers {
  readonly announcement: (announcement: CatalogAnnouncement) => Promise<void>
  readonly summary: (summary: CatalogSummary) => Promise<void>
  /** A peer subscribed to the topic: this node is in (or next to) the gossip mesh. */
  readonly metPeer: () => void
}

/** The members this node knows (the member directory): providers heard of on the topic join it. */
export interface ProviderDirectory {
  /** Every peer known beyond the peer store (the mesh's, and every member known). */
  known(): Promise<readonly PeerId[]>
  /** A provider signed a message on the topic: a member, with the addresses it gave (none in an announcement). */
  heard(peer: PeerId, addresses: readonly Multiaddr[]): void
  /** How many members this node knows, itself excluded. */
  count(): number
  /** Before a refreshed search: brings the members known up to date (a bounded wait); whether it asked a peer. */
  freshen(): Promise<boolean>
}

/**
 * The federated catalog over libp2p: announcements and summaries on the data space's gossipsub topic
 * (signed by the publishing peer; one for another provider than its signer is dropped) and DSP
 * catalog and dataset requests to one peer at a time. An announcement may carry the changed dataset: the
 * gossip mesh is members-only (every peer that relays it was admitted by the peer it got it from, the first
 * one by the signer's own connection), so a dataset signed by its provider and handed on by a peer this
 * node admitted is the provider's own, as a request would have shown it.
 */
export class P2pCatalogNetwork implements CatalogNetwork {
  private readonly topic: string

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly endpoint: P2pDspEndpoint,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
    dataspace: string,
    /** The members known: a node under a connection limit knows more members than it is connected to. */
    private readonly directory?: ProviderDirectory,
  ) {
    this.topic = catalogTopic(dataspace)
  }

  /** Subscribes and hands every valid announcement and summary on. */
  listen(handlers: CatalogTopicHandlers): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('gossipsub:message', (event) => {
      const { msg: message, propagationSource } = event.detail
      if (message.topic !== this.topic || message.type !== 'signed') return
      void this.accept(message.from, propagationSource, message.data, handlers)
    })
    pubsub.addEventListener('subscription-change', (event) => {
      if (event.detail.subscriptions.some((s) => s.topic === this.topic && s.subscribe)) handlers.metPeer()
    })
  }

  async announce(announcement: CatalogAnnouncement): Promise<void> {
    const data = encode(announcement)
    if (data.byteLength <= MAX_ANNOUNCEMENT_BYTES || announcement.dataset === undefined) {
      await this.libp2p.services.pubsub.publish(this.topic, data)
      return
    }
    // Too large to carry: receivers ask for the dataset.
    await this.publish({ ...announcement, dataset: undefined })
  }

  async announceSummary(summary: Pick<CatalogSummary, 'provider' | 'changes'>): Promise<void> {
    // Our own addresses without the /p2p/ part: the receiver knows the peer from the message's signer.
    const addresses = this.libp2p.getMultiaddrs().map((a) => a.toString().replace(/\/p2p\/[^/]+$/, ''))
    await this.publish({ summary: true, ...summary, addresses } satisfies CatalogSummary & { summary: true })
  }

  private async publish(message: object): Promise<void> {
    await this.libp2p.services.pubsub.publish(this.topic, encode(message))
  }

  async fetchCatalog(provider: string, knownDigest?: string): Promise<unknown> {
    const filter = knownDigest === undefined ? [] : ifChangedFilter(knownDigest)
    // Checked dataset by dataset when cached: one broken offer must not hide the provider's others.
    return this.endpoint.requestUnparsed(provider, 'catalog', createCatalogRequestMessage({ filter }))
  }

  async fetchDataset(provider: string, datasetId: string): Promise<unknown> {
    // Checked offer by offer when cached, as a whole catalog is.
    return this.endpoint.requestUnparsed(
      provider,
      'catalog',
      createDatasetRequestMessage({ dataset: datasetId }),
    )
  }

  /**
   * Connected peers, every other peer the private DHT of the data space made known, the peers the mesh
   * knows and every member the node knows (heard of on the topic, or named by a peer's member directory): a
   * node under a connection limit still asks every provider (each dial passes the admission gate anew).
   */
  async providers(): Promise<string[]> {
    const stored = await this.libp2p.peerStore.all()
    const known = (await this.directory?.known()) ?? []
    const peers = new Map(
      [...connectedPeers(this.libp2p), ...stored.map((p) => p.id), ...known].map((id) => [id.toString(), id]),
    )
    peers.delete(this.libp2p.peerId.toString())
    return [...peers.values()].flatMap((peer) => {
      try {
        return this.admission.deniedReason(peer) === undefined ? [didKeyFromPeerId(peer)] : []
      } catch {
        return []
      }
    })
  }

  /**
   * The providers again after the member directory has asked a peer for the members that joined lately (when
   * its last pull is old enough, see `MemberDirectory.freshen`); none when it asked nobody.
   */
  async providersFreshened(): Promise<string[]> {
    return (await this.directory?.freshen()) === true ? this.providers() : []
  }

  members(): number {
    return this.directory?.count() ?? 0
  }

  private async accept(
    from: PeerId,
    relay: PeerId,
    data: Uint8Array,
    handlers: CatalogTopicHandlers,
  ): Promise<void> {
    try {
      // An announcement is a hint, relayed by admitted peers from publishers this node may never have
      // connected to (the mesh is partial). Only a refused publisher is ignored; trust comes with the
      // fetch, which dials the publisher through the admission gate.
      if (this.admission.deniedReason(from) !== undefined) return
      const parsed = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown> | null
      if (parsed === null || typeof parsed !== 'object' || parsed.provider !== didKeyFromPeerId(from)) {
        this.log.debug({ from: from.toString() }, 'dropped a malformed or forged catalog announcement')
        return
      }
      // A node under a connection limit may hear of a provider only here: its announcements reach it, and
      // a refreshed search must ask it as well (the peer locator finds where it listens).
      // Only a summary gives addresses.
      const addresses = parsed.summary === true ? addressesOf(parsed.addresses) : []
      this.directory?.heard(from, addresses)
      if (parsed.summary === true) {
        await handlers.summary(summaryOf(parsed.provider, addresses, parsed.changes))
        return
      }
      const change = changeOf(parsed)
      if (change === undefined) {
        this.log.debug({ from: from.toString() }, 'dropped a malformed or forged catalog announcement')
        return
      }
      // A carried dataset is taken only as handed on by a peer admitted now (gossipsub serves no other).
      const carried =
        parsed.dataset !== undefined && change.removed !== true && this.admission.admittedNow(relay)
          ? { dataset: parsed.dataset }
          : {}
      await handlers.announcement({ provider: parsed.provider, ...change, ...carried })
    } catch (error) {
      this.log.warn(
        { err: (error as Error).message, from: from.toString() },
        'catalog announcement not applied',
      )
    }
  }
}

function encode(message: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message))
}

/** One announced change, if well-formed (without the dataset it may carry). */
function changeOf(raw: unknown): Omit<CatalogAnnouncement, 'provider'> | undefined {
  const change = raw as Partial<CatalogAnnouncement> | null
  if (change === null || typeof change !== 'object') return undefined
  if (typeof change.datasetId !== 'string' || typeof change.version !== 'number') return undefined
  return {
    datasetId: change.datasetId,
    version: change.version,
    ...(change.removed === true ? { removed: true } : {}),
  }
}

/** A summary's well-formed changes (at most {@link MAX_RECENT}); the provider is the signer's. */
function summaryOf(provider: string, addresses: readonly Multiaddr[], raw: unknown): CatalogSummary {
  const changes = Array.isArray(raw) ? raw.slice(-MAX_RECENT) : []
  return {
    provider,
    addresses: addresses.map((a) => a.toString()),
    changes: changes.flatMap((c) => {
      const change = changeOf(c)
      return change === undefined ? [] : [{ ...change, removed: change.removed === true }]
    }),
  }
}

/** The addresses a summary gave, those that parse (at most eight). */
function addressesOf(raw: unknown): Multiaddr[] {
  if (!Array.isArray(raw)) return []
  return raw.slice(0, 8).flatMap((a) => {
    if (typeof a !== 'string') return []
    try {
      return [multiaddr(a)]
    } catch {
      return []
    }
  })
}
