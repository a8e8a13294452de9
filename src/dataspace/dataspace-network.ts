import type { JsonLdObject } from '../credentials/index.js'
import type { DataspaceDescriptor } from './descriptor.js'

// The data space speaks to its peers through this port only; the libp2p binding implements it
// (`src/bindings/p2p/dataspace-network.ts`). Peers are named by their did:key throughout.

/** What a node asking for its credential says about itself, so the anchor can call it back once endorsed. */
export interface Applicant {
  readonly name?: string
  readonly addresses: readonly string[]
}

/** A membership change an anchor tells the member about. */
export interface MembershipNotice {
  readonly state: 'revoked' | 'endorsed'
  readonly at: string
}

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

/** What the network asks of the data space when peers ask, tell or announce something. */
export interface DataspaceHandlers {
  /** The data space's current descriptor (a newer version replaces it in place). */
  readonly descriptor: DataspaceDescriptor
  /** The active membership credential of a member DID, or when it was revoked, or undefined if never endorsed. */
  credentialFor(did: string, applicant: Applicant): Promise<JsonLdObject | { revokedAt: string } | undefined>
  /** A notice a peer sent this node (whether the sender is an anchor is the data space's to check). */
  notice(from: string, notice: MembershipNotice): Promise<void>
  /** The signed status list credential by URL, if this node issues it. */
  statusList(listUrl: string): Promise<JsonLdObject | undefined>
  /** Verifies a descriptor a peer offered and uses it if it is a valid successor; throws why not. */
  adopt(candidate: unknown): Promise<unknown>
  /** An announcement on the membership topic, with the DID of the peer that signed it. */
  announced(announcement: MembershipAnnouncement, from: string): Promise<void>
  /** A peer's last connection closed. */
  disconnected(peer: string): void
  /** A peer passed admission. */
  admitted(peer: string): void
  /** The anchors' signed revocation lists this node holds, to hand on to a peer. */
  revocationLists(): unknown[]
  /** Takes the revocation lists a peer holds (each is verified; older ones are ignored). */
  takeRevocationLists(lists: readonly unknown[]): Promise<void>
}

/** The network under the data space: its peers, its admission gate, its mesh and its membership protocols. */
export interface DataspaceNetwork {
  /** Starts answering peers with these handlers. */
  serve(handlers: DataspaceHandlers): Promise<void>
  /** The peers connected now. */
  connected(): string[]
  isConnected(peer: string): boolean
  /** Whether a peer passed admission. */
  isAdmitted(peer: string): Promise<boolean>
  /** Refuses a peer for `retryAfterMs` and drops its connections. */
  deny(peer: string, reason: string, retryAfterMs: number): Promise<void>
  /** Lifts a refusal; the peer's next connection is checked anew. */
  forgive(peer: string): void
  /** Why this node cannot take part right now (asked before each request to a peer), or undefined. */
  setStanding(check: () => string | undefined): void
  /** Dials a peer soon at these addresses (an endorsed node). */
  target(peer: string, addresses: readonly string[]): void
  /** Stops dialling a peer and forgets where it was (a revoked node). */
  forget(peer: string): Promise<void>
  /** Asks an anchor for this node's membership credential (not verified: the wallet does that). */
  requestCredential(anchor: string, applicant: Applicant): Promise<JsonLdObject>
  /** Tells a member of a change to its membership (best effort: it may be gone already). */
  sendNotice(member: string, notice: MembershipNotice): Promise<void>
  /** Fetches a status list credential from its issuer (the caller verifies it). */
  fetchStatusList(listUrl: string): Promise<JsonLdObject>
  /** Offers the current descriptor to every admitted peer; the older side takes the newer one. */
  spreadDescriptor(): Promise<void>
  /** Compares descriptor and revocation lists with one admitted peer now. */
  syncWith(peer: string): Promise<void>
  /** Publishes an announcement to the data space's members. */
  announce(announcement: MembershipAnnouncement): Promise<void>
}
