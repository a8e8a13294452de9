import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { MEMBERS_PROTOCOL } from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { connectedPeers } from './connected-peers.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import { MemberDirectoryRefusedError } from './errors.js'
import { JsonFrames } from './json-frames.js'
import type { PeerMesh } from './peer-mesh.js'

// MEMBERS_PROTOCOL, admitted members only: the asker opens the stream and sends nothing; the answer is
// `{members: [{peer: <PeerId>, addresses: [multiaddr…]}]}`, the members the answering node knows first-hand (and,
// at an anchor, the members it endorsed), or
// `{refused: <reason>}` to a peer it has not admitted (then the stream ends).

/** Most entries an answer carries and an asker takes: more than the members of any data space we plan for. */
export const MAX_DIRECTORY_ENTRIES = 1024
/** Most addresses per entry (a node listens on a few). */
export const MAX_ENTRY_ADDRESSES = 8
/** Largest answer: 1024 entries take about 150 KiB with two addresses each, 350 KiB with eight. */
export const MAX_DIRECTORY_BYTES = 512 * 1024
const TIMEOUT_MS = 10_000
/**
 * The second pull, this long (jittered) after the first: by then the "joined" summaries of the members that
 * started at the same moment as this node have reached every member on the catalog topic, so two members that
 * joined together and were both unknown to the first peer asked learn of each other.
 */
const NEXT_PULL_AFTER_MS = 30_000
/** Pulls that answered: the first when a member admits a peer, the second a while later from another peer. */
const PULLS = 2
/**
 * Pulls on a timer, each {@link NEXT_PULL_AFTER_MS} after the last pull: the second, or one after a failed pull
 * (a peer of an older version, or too busy) when no admission comes to try another peer.
 */
const TIMED_PULLS = 3
/**
 * A refreshed search asks for the directory again once this long has passed since the last pull: a member
 * that joined after this node's pulls is named only by its "joined" summary, which a node outside the gossip
 * mesh at that moment missed (at N = 100 a sampled node's refreshed searches knew 82 of 99 providers for three
 * minutes), and presence summaries come every N x 8 s.
 */
const SEARCH_PULL_GAP_MS = 30_000
/**
 * How long a refreshed search waits for that pull to name more providers (it asks those it knows meanwhile;
 * the pull goes on).
 */
const SEARCH_PULL_WAIT_MS = 1_000
/** What the refused asker reads: nothing of the data space, only what to do. */
const REFUSAL = 'the member directory answers admitted members only: pass the admission handshake first'

/** One member as an answer names it. */
export interface DirectoryEntry {
  readonly peer: PeerId
  readonly addresses: readonly Multiaddr[]
}

/**
 * The members a node knows, and the `/allmende/members/1.0.0` protocol that hands them to other members. A member
 * that joins asks one admitted peer for its directory once it is a member (an anchor if it keeps one: it admitted
 * every member that keeps it and heard every member join) and once more a while later from another, instead of
 * every member welcoming each newcomer on the catalog topic (at N = 100, O(N²) gossip deliveries that kept the
 * machine saturated). First-hand are the members this node admitted and the ones it heard on the catalog topic
 * (a signed message relayed by admitted peers): only those, and at an anchor the members it endorsed, are handed
 * on, so a hostile member's list reaches no further than the nodes that asked it. Members taken from an answer
 * with addresses become mesh targets (dialled only when the mesh wants peers); all become providers a refreshed
 * search asks.
 */
export class MemberDirectory {
  /** Members this node knows first-hand: admitted by it, or heard on the catalog topic. */
  private readonly firstHand = new Map<string, PeerId>()
  /** Members named by a peer's directory. */
  private readonly taken = new Map<string, PeerId>()
  private pulls = 0
  private timedPulls = 0
  private pulling = false
  /** When this node last asked a peer for its directory (answered or not). */
  private lastPullAt = Number.NEGATIVE_INFINITY
  /** Peers asked since the node started (answered or not): none is asked twice while others are there. */
  private readonly asked = new Set<string>()
  private nextPull?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly admission: PeerAdmission,
    private readonly mesh: Pick<PeerMesh, 'known' | 'target' | 'addressesOf' | 'anchors'>,
    private readonly log: Logger,
    private readonly options: {
      /** Least time between a pull and the next one a refreshed search asks for (default 30 s). */
      readonly searchPullGapMs?: number
      /**
       * The DIDs of the members this node endorsed and did not revoke (an anchor's register; none for a member):
       * its answer names them too, whether or not they met it, so an asker learns of every member an anchor
       * endorsed, also of one that only ever reached the other anchors.
       */
      readonly endorsed?: () => Promise<readonly string[]>
    } = {},
  ) {}

  async start(): Promise<void> {
    this.stopped = false
    await this.libp2p.handle(
      MEMBERS_PROTOCOL,
      (stream, connection) => void this.answer(stream, connection.remotePeer),
      { maxInboundStreams: 4 },
    )
    this.admission.onAdmitted((peer) => {
      this.firstHand.set(peer.toString(), peer)
      this.firstPull(peer)
    })
    // The mesh starts before the node's services: peers it admitted meanwhile count too.
    const admitted = connectedPeers(this.libp2p).filter((peer) => this.admission.admittedNow(peer))
    for (const peer of admitted) this.firstHand.set(peer.toString(), peer)
    if (admitted[0] !== undefined) this.firstPull(admitted[0])
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.nextPull)
    await this.libp2p.unhandle(MEMBERS_PROTOCOL).catch(() => undefined)
  }

  /** A provider signed a message on the catalog topic: a member, with the addresses it gave (if any). */
  heard(peer: PeerId, addresses: readonly Multiaddr[]): void {
    if (peer.equals(this.libp2p.peerId)) return
    this.firstHand.set(peer.toString(), peer)
    if (addresses.length > 0) this.mesh.target(peer, addresses)
  }

  /** Every member this node knows (first-hand and taken from directories) that the admission gate does not deny. */
  members(): PeerId[] {
    const all = new Map([...this.taken, ...this.firstHand])
    all.delete(this.libp2p.peerId.toString())
    return [...all.values()].filter((peer) => this.admission.deniedReason(peer) === undefined)
  }

  /** How many members this node knows, itself excluded. */
  count(): number {
    return this.members().length
  }

  /** The mesh's peers and every member known: whom a refreshed search asks. */
  async known(): Promise<PeerId[]> {
    const known = new Map((await this.mesh.known()).map((peer) => [peer.toString(), peer]))
    for (const peer of this.members()) known.set(peer.toString(), peer)
    return [...known.values()]
  }

  /**
   * Before a refreshed search: asks an admitted anchor (else another admitted peer) for its directory again if
   * the last pull was {@link SEARCH_PULL_GAP_MS} ago or more, waiting for it at most {@link SEARCH_PULL_WAIT_MS}.
   * Returns whether it asked.
   */
  async freshen(): Promise<boolean> {
    const gap = this.options.searchPullGapMs ?? SEARCH_PULL_GAP_MS
    if (this.pulling || this.stopped || Date.now() - this.lastPullAt < gap || !this.isMember()) return false
    const from = this.admittedPeers(true)[0] ?? this.admittedPeers(false)[0]
    if (from === undefined) return false
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.pullOnce(from),
      new Promise((resolve) => {
        timer = setTimeout(resolve, SEARCH_PULL_WAIT_MS)
      }),
    ])
    clearTimeout(timer)
    return true
  }

  /**
   * Asks one admitted peer for the members it knows and takes them (the ones the gate does not deny); returns
   * how many it named. Throws {@link MemberDirectoryRefusedError} when the peer refused, `InvalidInputError` for
   * an answer that breaks the protocol's bounds.
   */
  async pull(from: PeerId): Promise<number> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const stream = await this.admission.openStream(from, MEMBERS_PROTOCOL, { signal })
    const frames = new JsonFrames(stream, MAX_DIRECTORY_BYTES)
    let entries: DirectoryEntry[]
    try {
      const answer = await frames.read({ signal })
      await stream.close().catch(() => undefined)
      entries = parseDirectoryAnswer(answer, from)
    } catch (error) {
      stream.abort(error as Error)
      throw error
    }
    const self = this.libp2p.peerId
    const usable = entries.filter(
      ({ peer }) => !peer.equals(self) && this.admission.deniedReason(peer) === undefined,
    )
    for (const { peer, addresses } of usable) {
      this.taken.set(peer.toString(), peer)
      // A member named without addresses (an anchor endorsed it but never met it) is asked in a refreshed
      // search, through the peers; the mesh dials only members it can reach directly.
      if (addresses.length > 0) this.mesh.target(peer, addresses)
    }
    return usable.length
  }

  /**
   * A peer passed admission: a member that has not pulled yet asks an anchor it is connected to, else this peer,
   * each at most once (a peer of an older version does not speak the protocol: the next admission asks another).
   * An outsider (no credential yet) waits for its next admission: once a member, its mesh dials members.
   */
  private firstPull(admitted: PeerId): void {
    if (this.pulls > 0 || this.pulling || this.stopped || !this.isMember()) return
    const from = [...this.admittedPeers(true), admitted].find((peer) => !this.asked.has(peer.toString()))
    if (from !== undefined) void this.pullOnce(from)
  }

  /**
   * The next pull, a while after the last one (answered or not): an admitted peer not asked yet (an anchor
   * first), or one asked before if there is none. At most {@link TIMED_PULLS} of them.
   */
  private scheduleNextPull(): void {
    if (this.pulls >= PULLS || this.timedPulls >= TIMED_PULLS || this.stopped || this.nextPull !== undefined)
      return
    this.timedPulls++
    this.nextPull = setTimeout(
      () => {
        this.nextPull = undefined
        if (this.pulls >= PULLS || this.pulling || this.stopped || !this.isMember()) return
        const admitted = [...this.admittedPeers(true), ...this.admittedPeers(false)]
        const from = admitted.find((peer) => !this.asked.has(peer.toString())) ?? admitted[0]
        if (from === undefined) this.scheduleNextPull()
        else void this.pullOnce(from)
      },
      Math.round(NEXT_PULL_AFTER_MS * (0.8 + Math.random() * 0.4)),
    )
    this.nextPull.unref()
  }

  private async pullOnce(from: PeerId): Promise<void> {
    this.pulling = true
    this.lastPullAt = Date.now()
    this.asked.add(from.toString())
    try {
      const named = await this.pull(from)
      this.pulls++
      this.log.debug(
        { peer: from.toString(), named, pull: this.pulls },
        'took the member directory of a peer',
      )
    } catch (error) {
      this.log.debug({ peer: from.toString(), err: (error as Error).message }, 'member directory not taken')
    } finally {
      this.pulling = false
    }
    this.scheduleNextPull()
  }

  /** Admitted peers connected now that are anchors (or, with `anchors` false, that are not), in random order. */
  private admittedPeers(anchors: boolean): PeerId[] {
    const anchorIds = new Set(this.mesh.anchors())
    return connectedPeers(this.libp2p)
      .filter((peer) => anchorIds.has(peer.toString()) === anchors && this.admission.admittedNow(peer))
      .map((peer) => ({ peer, order: Math.random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ peer }) => peer)
  }

  private isMember(): boolean {
    try {
      this.admission.requireStanding()
      return true
    } catch {
      return false
    }
  }

  private async answer(stream: Stream, asker: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const frames = new JsonFrames(stream, MAX_DIRECTORY_BYTES)
    try {
      try {
        await this.admission.requireAdmittedStream(asker, MEMBERS_PROTOCOL)
      } catch (error) {
        this.log.debug({ peer: asker.toString(), err: (error as Error).message }, 'member directory refused')
        await frames.write({ refused: REFUSAL }, { signal })
        await stream.close().catch(() => undefined)
        return
      }
      await frames.write(directoryAnswer(await this.namedEntries(asker)), { signal })
      await stream.close().catch(() => undefined)
    } catch (error) {
      this.log.debug({ peer: asker.toString(), err: (error as Error).message }, 'member directory not sent')
      stream.abort(error as Error)
    }
  }

  /**
   * The members this node knows first-hand or endorsed, but the asker, with the addresses the mesh or the peer
   * store holds (none for an endorsed member this node never met: the asker's requests find it through peers).
   */
  private async namedEntries(asker: PeerId): Promise<DirectoryEntry[]> {
    const entries: DirectoryEntry[] = []
    const named = new Map(this.firstHand)
    const endorsed = await this.options.endorsed?.().catch((error: Error) => {
      this.log.debug({ err: error.message }, 'endorsed members not read for the directory')
      return []
    })
    for (const did of endorsed ?? []) {
      const peer = peerOfDid(did)
      if (peer !== undefined && !named.has(peer.toString())) named.set(peer.toString(), peer)
    }
    named.delete(this.libp2p.peerId.toString())
    for (const peer of named.values()) {
      if (entries.length >= MAX_DIRECTORY_ENTRIES) break
      if (peer.equals(asker) || this.admission.deniedReason(peer) !== undefined) continue
      let addresses = this.mesh.addressesOf(peer)
      if (addresses.length === 0) {
        const stored = await this.libp2p.peerStore.get(peer).catch(() => undefined)
        addresses = stored?.addresses.map((address) => address.multiaddr) ?? []
      }
      entries.push({ peer, addresses: addresses.slice(0, MAX_ENTRY_ADDRESSES) })
    }
    return entries
  }
}

function peerOfDid(did: string): PeerId | undefined {
  try {
    return peerIdFromDidKey(did)
  } catch {
    return undefined
  }
}

/** An answer naming `entries` (at most {@link MAX_DIRECTORY_ENTRIES}), within {@link MAX_DIRECTORY_BYTES}. */
export function directoryAnswer(entries: readonly DirectoryEntry[]): {
  members: { peer: string; addresses: string[] }[]
} {
  const members: { peer: string; addresses: string[] }[] = []
  // the frame's braces and the key
  let bytes = 16
  for (const { peer, addresses } of entries.slice(0, MAX_DIRECTORY_ENTRIES)) {
    const entry = {
      peer: peer.toString(),
      addresses: addresses.slice(0, MAX_ENTRY_ADDRESSES).map((address) => address.toString()),
    }
    bytes += Buffer.byteLength(JSON.stringify(entry)) + 1
    if (bytes > MAX_DIRECTORY_BYTES) break
    members.push(entry)
  }
  return { members }
}

/**
 * The entries of a peer's answer, checked strictly: an object with `members`, at most
 * {@link MAX_DIRECTORY_ENTRIES} entries of a PeerId and at most {@link MAX_ENTRY_ADDRESSES} multiaddrs that name
 * no other peer. A refusal throws {@link MemberDirectoryRefusedError}, anything else `InvalidInputError`.
 */
export function parseDirectoryAnswer(raw: unknown, from: PeerId): DirectoryEntry[] {
  const answer = raw as { members?: unknown; refused?: unknown } | null
  if (typeof answer?.refused === 'string') {
    throw new MemberDirectoryRefusedError(from.toString(), answer.refused.slice(0, 500))
  }
  const invalid = (what: string) =>
    new InvalidInputError(`peer ${from.toString()} sent a member directory that ${what}`)
  if (answer === null || typeof answer !== 'object' || !Array.isArray(answer.members)) {
    throw invalid('is not {members: [...]}')
  }
  if (answer.members.length > MAX_DIRECTORY_ENTRIES) {
    throw invalid(`names ${answer.members.length} members, more than ${MAX_DIRECTORY_ENTRIES}`)
  }
  return answer.members.map((entry: unknown, index) => {
    const { peer, addresses } = (entry ?? {}) as { peer?: unknown; addresses?: unknown }
    const id = typeof peer === 'string' ? peerIdOrUndefined(peer) : undefined
    if (id === undefined) throw invalid(`names no PeerId in entry ${index}`)
    if (!Array.isArray(addresses) || addresses.length > MAX_ENTRY_ADDRESSES) {
      throw invalid(`gives no list of at most ${MAX_ENTRY_ADDRESSES} addresses in entry ${index}`)
    }
    return {
      peer: id,
      addresses: addresses.map((text) =>
        addressOf(text, id, () => invalid(`gives a bad address in entry ${index}`)),
      ),
    }
  })
}

function peerIdOrUndefined(text: string): PeerId | undefined {
  try {
    return peerIdFromString(text)
  } catch {
    return undefined
  }
}

/** A multiaddr of `peer`: one that does not parse or names another peer is `invalid()`. */
function addressOf(text: unknown, peer: PeerId, invalid: () => Error): Multiaddr {
  if (typeof text !== 'string') throw invalid()
  let address: Multiaddr
  try {
    address = multiaddr(text)
  } catch {
    throw invalid()
  }
  const named = address.getComponents().find((c) => c.name === 'p2p')?.value
  if (named !== undefined && named !== peer.toString()) throw invalid()
  return address
}
