import { multiaddr } from '@multiformats/multiaddr'
import type { JsonLdObject } from '../../credentials/index.js'
import type {
  Applicant,
  DataspaceHandlers,
  DataspaceNetwork,
  MembershipAnnouncement,
  MembershipNotice,
} from '../../dataspace/index.js'
import { didKeyOfPeer, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import type { PeerAdmission } from './admission.js'
import { connectedPeers } from './connected-peers.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import { type DescriptorHolder, serveDescriptorSync, syncDescriptor } from './descriptor-sync.js'
import { MembershipAnnouncements } from './membership-announcements.js'
import {
  fetchStatusList,
  requestMembershipCredential,
  sendMembershipNotice,
  serveMembershipProtocols,
} from './membership-protocol.js'
import type { PeerMesh } from './peer-mesh.js'

/**
 * The data space over libp2p: the membership, notice, status-list and descriptor-sync protocols, the
 * membership announcements on gossipsub, and the admission gate and mesh, all by did:key.
 */
export class P2pDataspaceNetwork implements DataspaceNetwork {
  private readonly announcements: MembershipAnnouncements
  private holder?: DescriptorHolder
  private mesh?: PeerMesh

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly admission: PeerAdmission,
    dataspace: string,
    private readonly log: Logger,
  ) {
    this.announcements = new MembershipAnnouncements(libp2p, dataspace, log)
  }

  /** The mesh that dials endorsed peers and forgets revoked ones; it starts after the data space. */
  useMesh(mesh: PeerMesh): void {
    this.mesh = mesh
  }

  async serve(handlers: DataspaceHandlers): Promise<void> {
    const { libp2p, admission, log } = this
    await serveMembershipProtocols(libp2p, handlers, log)
    const holder: DescriptorHolder = {
      get descriptor() {
        return handlers.descriptor
      },
      adopt: (candidate) => handlers.adopt(candidate),
      isAdmitted: (peer) => admission.isAdmitted(peer),
      revocationLists: () => handlers.revocationLists(),
      takeRevocationLists: (lists) => handlers.takeRevocationLists(lists),
    }
    this.holder = holder
    await serveDescriptorSync(libp2p, holder, log)
    admission.onAdmitted((peer, connection) => {
      const did = didKeyOfPeer(peer)
      if (did !== undefined) handlers.admitted(did)
      // The dialer compares descriptors: one exchange per pair of peers, not two.
      if (connection.direction === 'outbound') void syncDescriptor(libp2p, holder, peer, log)
    })
    libp2p.addEventListener('peer:disconnect', (event) => {
      const did = didKeyOfPeer(event.detail)
      if (did !== undefined) handlers.disconnected(did)
    })
    this.announcements.listen((announcement, from) => handlers.announced(announcement, from))
  }

  connected(): string[] {
    return connectedPeers(this.libp2p).flatMap((peer) => {
      const did = didKeyOfPeer(peer)
      return did === undefined ? [] : [did]
    })
  }

  isConnected(peer: string): boolean {
    return this.libp2p.getConnections(peerIdFromDidKey(peer)).length > 0
  }

  isAdmitted(peer: string): Promise<boolean> {
    return this.admission.isAdmitted(peerIdFromDidKey(peer))
  }

  deny(peer: string, reason: string, retryAfterMs: number): Promise<void> {
    return this.admission.deny(peerIdFromDidKey(peer), reason, retryAfterMs)
  }

  forgive(peer: string): void {
    this.admission.forgive(peerIdFromDidKey(peer))
  }

  setStanding(check: () => string | undefined): void {
    this.admission.setStanding(check)
  }

  target(peer: string, addresses: readonly string[]): void {
    // addresses come from the applicant or an announcement: one that does not parse is left out
    const parsed = addresses.flatMap((address) => {
      try {
        return [multiaddr(address)]
      } catch {
        return []
      }
    })
    this.mesh?.target(peerIdFromDidKey(peer), parsed, true)
  }

  async forget(peer: string): Promise<void> {
    await this.mesh?.forget(peerIdFromDidKey(peer))
  }

  requestCredential(anchor: string, applicant: Applicant): Promise<JsonLdObject> {
    return requestMembershipCredential(this.libp2p, peerIdFromDidKey(anchor), applicant)
  }

  sendNotice(member: string, notice: MembershipNotice): Promise<void> {
    return sendMembershipNotice(this.libp2p, peerIdFromDidKey(member), notice)
  }

  fetchStatusList(listUrl: string): Promise<JsonLdObject> {
    // The anchors first (an anchor hands on the lists of the anchors it is connected to), then admitted peers in
    // random order, so a hundred members do not all ask the same one.
    const anchors = new Set(this.holder?.descriptor.trustAnchor ?? [])
    return fetchStatusList(this.libp2p, listUrl, () =>
      connectedPeers(this.libp2p)
        .filter((peer) => this.admission.admittedNow(peer))
        .map((peer) => ({ peer, order: anchors.has(didKeyOfPeer(peer) ?? '') ? -1 : Math.random() }))
        .sort((a, b) => a.order - b.order)
        .map(({ peer }) => peer),
    )
  }

  async spreadDescriptor(): Promise<void> {
    const holder = this.holder
    if (holder === undefined) return
    for (const peer of connectedPeers(this.libp2p)) {
      if (await this.admission.isAdmitted(peer)) void syncDescriptor(this.libp2p, holder, peer, this.log)
    }
  }

  async syncWith(peer: string): Promise<void> {
    if (this.holder !== undefined)
      await syncDescriptor(this.libp2p, this.holder, peerIdFromDidKey(peer), this.log)
  }

  announce(announcement: MembershipAnnouncement): Promise<void> {
    return this.announcements.announce(announcement)
  }
}
