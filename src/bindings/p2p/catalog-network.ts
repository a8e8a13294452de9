import type { PeerId } from '@libp2p/interface'
import type { CatalogAnnouncement, CatalogNetwork } from '../../catalog/index.js'
import { didKeyFromPeerId } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import {
  catalogTopic,
  createCatalogRequestMessage,
  createDatasetRequestMessage,
} from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import type { P2pDspEndpoint } from './dsp-endpoint.js'

/**
 * The federated catalog over libp2p: announcements on the data space's gossipsub topic (signed by
 * the publishing peer; an announcement for another provider than its signer is dropped) and DSP
 * catalog and dataset requests to one peer at a time.
 */
export class P2pCatalogNetwork implements CatalogNetwork {
  private readonly topic: string

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly endpoint: P2pDspEndpoint,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
    dataspace: string,
    /** Peers known beyond the peer store (the mesh's: bootstrap, remembered, discovered, endorsed). */
    private readonly known: () => Promise<readonly PeerId[]> = async () => [],
  ) {
    this.topic = catalogTopic(dataspace)
  }

  /** Subscribes and hands every valid announcement to `onAnnouncement`. */
  listen(onAnnouncement: (announcement: CatalogAnnouncement) => Promise<void>): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('message', (event) => {
      const message = event.detail
      if (message.topic !== this.topic || message.type !== 'signed') return
      void this.accept(message.from, message.data, onAnnouncement)
    })
  }

  async announce(announcement: CatalogAnnouncement): Promise<void> {
    const data = new TextEncoder().encode(JSON.stringify(announcement))
    await this.libp2p.services.pubsub.publish(this.topic, data)
  }

  async fetchCatalog(provider: string): Promise<unknown> {
    // Checked dataset by dataset when cached: one broken offer must not hide the provider's others.
    return this.endpoint.requestUnparsed(provider, 'catalog', createCatalogRequestMessage({ filter: [] }))
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
   * Connected peers, every other peer the private DHT of the data space made known and the peers the mesh
   * knows: a node under a connection limit still asks every provider (each dial passes the admission gate
   * anew).
   */
  async providers(): Promise<string[]> {
    const stored = await this.libp2p.peerStore.all()
    const peers = new Map(
      [...this.libp2p.getPeers(), ...stored.map((p) => p.id), ...(await this.known())].map((id) => [
        id.toString(),
        id,
      ]),
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

  private async accept(
    from: Parameters<typeof didKeyFromPeerId>[0],
    data: Uint8Array,
    onAnnouncement: (announcement: CatalogAnnouncement) => Promise<void>,
  ): Promise<void> {
    try {
      // An announcement is a hint, relayed by admitted peers from publishers this node may never have
      // connected to (the mesh is partial). Only a refused publisher is ignored; trust comes with the
      // fetch, which dials the publisher through the admission gate.
      if (this.admission.deniedReason(from) !== undefined) return
      const parsed = JSON.parse(new TextDecoder().decode(data)) as Partial<CatalogAnnouncement>
      if (
        parsed.provider !== didKeyFromPeerId(from) ||
        typeof parsed.datasetId !== 'string' ||
        typeof parsed.version !== 'number'
      ) {
        this.log.debug({ from: from.toString() }, 'dropped a malformed or forged catalog announcement')
        return
      }
      await onAnnouncement({
        provider: parsed.provider,
        datasetId: parsed.datasetId,
        version: parsed.version,
        ...(parsed.removed === true ? { removed: true } : {}),
      })
    } catch (error) {
      this.log.warn(
        { err: (error as Error).message, from: from.toString() },
        'catalog announcement not applied',
      )
    }
  }
}
