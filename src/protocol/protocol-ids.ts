import { createHash } from 'node:crypto'
import type { DspArea } from './dsp-errors.js'

/**
 * Every libp2p protocol id and gossipsub topic of Allmende, in one place and one scheme:
 * `/allmende/<name>/<version>` as js-libp2p builds `/${prefix}/${name}/${version}`. A new version
 * of a protocol gets a new id, and libp2p's protocol negotiation picks the one both sides speak.
 */
function protocolId(name: string, version: string): string {
  return `/allmende/${name}/${version}`
}

/** The DSP version the libp2p binding speaks (spec/libp2p-framing.md). */
const DSP_VERSION = '2025-1'

/** DSP over libp2p, one stream protocol per DSP area. */
export const DSP_PROTOCOL_IDS = {
  catalog: protocolId('dsp/catalog', DSP_VERSION),
  negotiation: protocolId('dsp/negotiation', DSP_VERSION),
  transfer: protocolId('dsp/transfer', DSP_VERSION),
} as const satisfies Record<DspArea, string>

/**
 * DSP over libp2p on a long-lived channel stream: numbered requests and answers (spec/libp2p-framing.md).
 * Negotiations only: their four messages each are the hot path; transfers send few.
 */
export const DSP_CHANNEL_PROTOCOL_IDS = {
  negotiation: protocolId('dsp/negotiation-channel', DSP_VERSION),
} as const

/** The admission handshake every connection runs before any other Allmende protocol (the dialer proves first). */
export const TRUST_PROTOCOL = protocolId('trust', '2.0.0')

/** The data plane: content of a transfer, one stream per data request. */
export const DATA_PROTOCOL = protocolId('data', '1.0.0')

/** Usage duty evidence (deletion receipts, usage notices) from consumer to provider. */
export const DUTY_PROTOCOL = protocolId('duty', '1.0.0')

/** A member asks an anchor for its own membership credential (served before admission). */
export const MEMBERSHIP_PROTOCOL = protocolId('membership', '1.0.0')

/** Signed status list credentials by list URL (public: status lists carry no names). */
export const STATUS_PROTOCOL = protocolId('status', '1.0.0')

/** An anchor tells a member of a change to its membership (revoked, endorsed); accepted from anchors only. */
export const MEMBERSHIP_NOTICE_PROTOCOL = protocolId('membership-notice', '1.0.0')

/** Admitted peers hand on a newer signed version of the data space descriptor. */
export const DESCRIPTOR_PROTOCOL = protocolId('descriptor', '1.0.0')

/** An admitted peer asks where a member listens that it is not connected to (the peer's known addresses). */
export const FIND_PEER_PROTOCOL = protocolId('find-peer', '1.0.0')

/** An admitted member asks an admitted peer for the members it knows (PeerIds and listen addresses). */
export const MEMBERS_PROTOCOL = protocolId('members', '1.0.0')

/**
 * A data space's own segment of a name. Hashing keeps any id (URNs, colons, long titles) a safe
 * protocol segment, and nodes of different data spaces never share a DHT or a topic.
 */
export function dataspaceTag(dataspace: string): string {
  return createHash('sha256').update(dataspace).digest('hex').slice(0, 16)
}

/** Kademlia protocol id private to one data space. */
export function dhtProtocol(dataspace: string): string {
  return protocolId(`${dataspaceTag(dataspace)}/kad`, '1.0.0')
}

/** Whether a stream protocol is a request of Allmende's own (DSP, data, membership...), not the DHT's upkeep. */
export function isAllmendeRequest(protocol: string): boolean {
  return protocol.startsWith('/allmende/') && !/^\/allmende\/[0-9a-f]{16}\/kad\//.test(protocol)
}

/** Gossipsub topic on which members announce catalog changes. */
export function catalogTopic(dataspace: string): string {
  return protocolId(`${dataspaceTag(dataspace)}/catalog`, '1.0.0')
}

/** Gossipsub topic on which anchors announce endorsements and revocations. */
export function membershipTopic(dataspace: string): string {
  return protocolId(`${dataspaceTag(dataspace)}/membership`, '1.0.0')
}
