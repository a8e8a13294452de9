import { createHash } from 'node:crypto'

/**
 * Network names derived from a data space id. Hashing keeps any id (URNs, colons, long titles) a
 * safe protocol segment, and nodes of different data spaces never share a DHT or a topic.
 */
export function dataspaceTag(dataspace: string): string {
  return createHash('sha256').update(dataspace).digest('hex').slice(0, 16)
}

/** Kademlia protocol id private to one data space. */
export function dhtProtocol(dataspace: string): string {
  return `/allmende/${dataspaceTag(dataspace)}/kad/1.0.0`
}

/** Gossipsub topic on which members announce catalog changes. */
export function catalogTopic(dataspace: string): string {
  return `/allmende/${dataspaceTag(dataspace)}/catalog/1.0.0`
}

/** Gossipsub topic on which anchors announce endorsements and revocations. */
export function membershipTopic(dataspace: string): string {
  return `/allmende/${dataspaceTag(dataspace)}/membership/1.0.0`
}

/** The admission handshake every connection runs before any other Allmende protocol (the dialer proves first). */
export const TRUST_PROTOCOL = '/allmende/trust/2.0.0'
