import type { MembershipAnnouncement } from '../../dataspace/index.js'
import { didKeyOfPeer } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { membershipTopic } from '../../protocol/index.js'
import type { AllmendeLibp2p } from './create-libp2p.js'

/**
 * Anchors announce endorsements and revocations on the data space's membership topic (gossipsub, signed by
 * the publishing node). Every well-formed signed announcement is handed on with its signer's DID; the data
 * space acts on those of its anchors only.
 */
export class MembershipAnnouncements {
  private readonly topic: string

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    dataspace: string,
    private readonly log: Logger,
  ) {
    this.topic = membershipTopic(dataspace)
  }

  listen(onAnnouncement: (announcement: MembershipAnnouncement, from: string) => Promise<void>): void {
    const pubsub = this.libp2p.services.pubsub
    // the data space starts before libp2p does: subscribe once gossipsub runs
    if (this.libp2p.status === 'started') pubsub.subscribe(this.topic)
    else this.libp2p.addEventListener('start', () => pubsub.subscribe(this.topic), { once: true })
    pubsub.addEventListener('message', (event) => {
      const message = event.detail
      if (message.topic !== this.topic || message.type !== 'signed') return
      const from = didKeyOfPeer(message.from)
      if (from === undefined) return
      const announcement = parse(message.data)
      if (announcement === undefined) return
      onAnnouncement(announcement, from).catch((error: Error) =>
        this.log.warn({ err: error.message, from }, 'membership announcement not applied'),
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
