import type { PeerId } from '@libp2p/interface'
import type { AllmendeLibp2p } from '../bindings/p2p/index.js'
import { didKeyFromPeerId } from '../identity/index.js'
import type { Logger } from '../log/index.js'
import { membershipTopic } from '../protocol/index.js'
import type { DataspaceDescriptor } from './descriptor.js'

/** An anchor's announcement to the members: a node was endorsed (with where to reach it) or revoked. */
export interface MembershipAnnouncement {
  readonly change: 'endorsed' | 'revoked'
  readonly member: string
  readonly at: string
  readonly name?: string
  readonly addresses?: readonly string[]
  /** The announcing anchor's signed revocation list after the change (members verify it before use). */
  readonly list?: unknown
}

/**
 * Anchors announce endorsements and revocations on the data space's membership topic (gossipsub, signed by
 * the publishing node); members act on announcements from anchors only: an endorsed node is let in again at
 * once, a revoked one is re-checked at once instead of at the next refresh.
 */
export class MembershipAnnouncements {
  private readonly topic: string

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly descriptor: DataspaceDescriptor,
    private readonly log: Logger,
  ) {
    this.topic = membershipTopic(descriptor.id)
  }

  listen(onAnnouncement: (announcement: MembershipAnnouncement, anchor: string) => Promise<void>): void {
    const pubsub = this.libp2p.services.pubsub
    // the data space starts before libp2p does: subscribe once gossipsub runs
    if (this.libp2p.status === 'started') pubsub.subscribe(this.topic)
    else this.libp2p.addEventListener('start', () => pubsub.subscribe(this.topic), { once: true })
    pubsub.addEventListener('message', (event) => {
      const message = event.detail
      if (message.topic !== this.topic || message.type !== 'signed') return
      const anchor = didOf(message.from)
      if (anchor === undefined || !this.descriptor.trustAnchor.includes(anchor)) return
      const announcement = parse(message.data)
      if (announcement === undefined) return
      onAnnouncement(announcement, anchor).catch((error: Error) =>
        this.log.warn({ err: error.message, anchor }, 'membership announcement not applied'),
      )
    })
  }

  async announce(announcement: MembershipAnnouncement): Promise<void> {
    const data = new TextEncoder().encode(JSON.stringify(announcement))
    await this.libp2p.services.pubsub.publish(this.topic, data).catch((error: Error) => {
      this.log.debug({ err: error.message }, 'membership announcement not published')
    })
  }
}

function didOf(peer: PeerId): string | undefined {
  try {
    return didKeyFromPeerId(peer)
  } catch {
    return undefined
  }
}

function parse(data: Uint8Array): MembershipAnnouncement | undefined {
  try {
    const raw = JSON.parse(new TextDecoder().decode(data)) as Partial<MembershipAnnouncement>
    if ((raw.change !== 'endorsed' && raw.change !== 'revoked') || typeof raw.member !== 'string')
      return undefined
    return {
      change: raw.change,
      member: raw.member,
      at: typeof raw.at === 'string' ? raw.at : new Date().toISOString(),
      ...(typeof raw.name === 'string' ? { name: raw.name.slice(0, 200) } : {}),
      ...(Array.isArray(raw.addresses)
        ? { addresses: raw.addresses.filter((a): a is string => typeof a === 'string').slice(0, 8) }
        : {}),
      ...(raw.list !== null && typeof raw.list === 'object' && !Array.isArray(raw.list)
        ? { list: raw.list }
        : {}),
    }
  } catch {
    return undefined
  }
}
