import { randomBytes } from 'node:crypto'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from '../../log/index.js'
import { TRUST_PROTOCOL } from '../../protocol/index.js'
import { PeerNotAdmittedError } from './errors.js'
import { JsonFrames } from './json-frames.js'

/** Outcome of checking one peer. */
export type AdmissionVerdict = { admitted: true } | { admitted: false; reason: string }

/**
 * What admission asks of the trust layer: the proof this node shows for a peer's nonce, and the
 * check of what a peer showed for ours. The foundation compares data space ids; membership
 * credentials plug in here (trust issue) without touching the handshake.
 */
export interface AdmissionPolicy {
  readonly dataspace: string
  proofFor(peerNonce: string): Promise<unknown>
  check(
    peer: PeerId,
    shown: { dataspace: string; proof: unknown },
    ourNonce: string,
  ): Promise<AdmissionVerdict>
}

/** The foundation's policy: a peer is admitted when it announces the same data space id. */
export function sameDataspacePolicy(dataspace: string): AdmissionPolicy {
  return {
    dataspace,
    proofFor: async () => null,
    check: async (_peer, shown) =>
      shown.dataspace === dataspace
        ? { admitted: true }
        : { admitted: false, reason: `it belongs to data space "${shown.dataspace}", not "${dataspace}"` },
  }
}

interface Hello {
  dataspace: string
  nonce: string
}

const HANDSHAKE_TIMEOUT_MS = 10_000
const REFUSAL_GRACE_MS = 250

/** Marks a verdict that is no judgement on the peer (timeout, reset, its refusal of us). */
const TRANSIENT = Symbol('transient')

function transient(reason: string): AdmissionVerdict {
  return { admitted: false, reason, [TRANSIENT]: true } as AdmissionVerdict
}

/**
 * A refusal of this connection only, for a policy that could not decide (e.g. a status list it could not
 * fetch): the peer is not denied, and a later connection is checked anew.
 */
export function undecidedVerdict(reason: string): AdmissionVerdict {
  return transient(reason)
}

/**
 * The one gate of the node: every connection runs the `/allmende/trust/1.0.0` handshake (fresh
 * nonce each way); a peer that fails is disconnected and refused on redial by the connection gater.
 * Allmende protocol handlers call {@link PeerAdmission.requireAdmitted} before serving.
 */
export class PeerAdmission {
  private readonly admitted = new Map<string, Promise<AdmissionVerdict>>()
  private readonly denied = new Map<string, string>()
  /** Peers with a positive verdict on some open connection. */
  private readonly admittedPeers = new Set<string>()
  private libp2p?: Libp2p
  private policy: AdmissionPolicy
  private readonly admittedListeners: ((peer: PeerId, connection: Connection) => void)[] = []

  constructor(
    private readonly log: Logger,
    policy: AdmissionPolicy,
  ) {
    this.policy = policy
  }

  /** Connection gater hooks; handed to libp2p at construction. */
  readonly gater = {
    denyDialPeer: (peer: PeerId) => this.denied.has(peer.toString()),
    denyInboundEncryptedConnection: (peer: PeerId) => this.denied.has(peer.toString()),
    denyOutboundEncryptedConnection: (peer: PeerId) => this.denied.has(peer.toString()),
  }

  /** Replaces the policy (e.g. after joining a data space); re-checks nobody until they reconnect. */
  setPolicy(policy: AdmissionPolicy): void {
    this.policy = policy
  }

  async start(libp2p: Libp2p): Promise<void> {
    this.libp2p = libp2p
    await libp2p.handle(TRUST_PROTOCOL, (stream, connection) => this.answer(stream, connection))
    libp2p.addEventListener('connection:open', (event) => {
      const connection = event.detail
      // One verdict per peer: a further connection to an admitted peer needs no new handshake.
      if (connection.direction === 'outbound' && !this.admittedPeers.has(connection.remotePeer.toString())) {
        this.track(connection, this.initiate(connection))
      }
    })
    libp2p.addEventListener('peer:disconnect', (event) => {
      this.admitted.delete(event.detail.toString())
      this.admittedPeers.delete(event.detail.toString())
    })
  }

  /** Calls `listener` whenever a peer passes admission (once per peer and connection that ran the handshake). */
  onAdmitted(listener: (peer: PeerId, connection: Connection) => void): void {
    this.admittedListeners.push(listener)
  }

  /** Verdict on a peer once its handshake ends; rejects with {@link PeerNotAdmittedError}. */
  async requireAdmitted(peer: PeerId): Promise<void> {
    const verdict = await this.verdictOf(peer)
    if (!verdict.admitted) throw new PeerNotAdmittedError(peer.toString(), verdict.reason)
  }

  /** Whether a peer passed its handshake (false while it runs or if it never ran). */
  async isAdmitted(peer: PeerId): Promise<boolean> {
    return (await this.verdictOf(peer)).admitted
  }

  /** Refuses a peer from now on (e.g. revoked membership) and drops its connections. */
  async deny(peer: PeerId, reason: string): Promise<void> {
    this.denied.set(peer.toString(), reason)
    this.admittedPeers.delete(peer.toString())
    this.admitted.set(peer.toString(), Promise.resolve({ admitted: false, reason }))
    this.log.warn({ peer: peer.toString(), reason }, 'peer denied')
    // a moment for the refusal frame to reach the peer, so its operator reads why
    await new Promise((resolve) => setTimeout(resolve, REFUSAL_GRACE_MS))
    await this.libp2p?.hangUp(peer).catch(() => undefined)
  }

  /** Lifts a refusal (e.g. a peer endorsed after it was refused); its next connection is checked anew. */
  forgive(peer: PeerId): void {
    const key = peer.toString()
    if (!this.denied.delete(key)) return
    this.admitted.delete(key)
    this.log.info({ peer: key }, 'peer no longer denied')
  }

  /** Why a peer is refused, if it is. */
  deniedReason(peer: PeerId): string | undefined {
    return this.denied.get(peer.toString())
  }

  private verdictOf(peer: PeerId): Promise<AdmissionVerdict> {
    const reason = this.denied.get(peer.toString())
    if (reason !== undefined) return Promise.resolve({ admitted: false, reason })
    return this.admitted.get(peer.toString()) ?? this.awaitInbound(peer)
  }

  /** An inbound peer's handshake may still be on its way: wait for it a bounded time. */
  private awaitInbound(peer: PeerId): Promise<AdmissionVerdict> {
    const { promise, resolve } = Promise.withResolvers<AdmissionVerdict>()
    const timer = setTimeout(
      () => resolve({ admitted: false, reason: 'it did not run the admission handshake' }),
      HANDSHAKE_TIMEOUT_MS,
    )
    const poll = setInterval(() => {
      const pending = this.admitted.get(peer.toString())
      if (pending !== undefined) {
        clearInterval(poll)
        clearTimeout(timer)
        pending.then(resolve)
      }
    }, 20)
    return promise.finally(() => {
      clearInterval(poll)
      clearTimeout(timer)
    })
  }

  private track(connection: Connection, verdict: Promise<AdmissionVerdict>): void {
    const peer = connection.remotePeer
    const key = peer.toString()
    const settled = verdict.catch((error: unknown) =>
      transient(`handshake failed: ${(error as Error).message}`),
    )
    // A pending handshake on a second connection must not hide that the peer is already admitted.
    if (!this.admittedPeers.has(key)) this.admitted.set(key, settled)
    void settled.then(async (result) => {
      if (result.admitted) {
        this.admittedPeers.add(key)
        this.admitted.set(key, settled)
        this.log.info({ peer: key }, 'peer admitted')
        for (const listener of this.admittedListeners) listener(peer, connection)
      } else if (TRANSIENT in result) {
        // A timeout, a reset or the peer's own refusal says nothing against the peer: close this
        // connection only and let a later dial try again. Only this node's own verdict denies.
        if (this.admitted.get(key) === settled) this.admitted.delete(key)
        this.log.info({ peer: key, reason: result.reason }, 'admission not completed')
        if (!this.admittedPeers.has(key)) await connection.close().catch(() => undefined)
      } else {
        await this.deny(peer, result.reason)
      }
    })
  }

  /** Dialer side: hello → hello+proof → proof → verdict. */
  private async initiate(connection: Connection): Promise<AdmissionVerdict> {
    const signal = AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS)
    const stream = await connection.newStream(TRUST_PROTOCOL, { signal })
    const frames = new JsonFrames(stream)
    const ourNonce = randomBytes(16).toString('base64url')
    await frames.write({ dataspace: this.policy.dataspace, nonce: ourNonce } satisfies Hello, { signal })
    const reply = (await frames.read({ signal })) as Partial<Hello> & { proof?: unknown; refused?: string }
    if (typeof reply.refused === 'string') {
      await stream.close().catch(() => undefined)
      return transient(`it refused us: ${reply.refused}`)
    }
    if (typeof reply.dataspace !== 'string' || typeof reply.nonce !== 'string') {
      return { admitted: false, reason: 'it sent a malformed admission hello' }
    }
    const verdict = await this.policy.check(
      connection.remotePeer,
      { dataspace: reply.dataspace, proof: reply.proof },
      ourNonce,
    )
    if (!verdict.admitted) {
      await frames.write({ refused: verdict.reason }, { signal }).catch(() => undefined)
      await stream.close().catch(() => undefined)
      return verdict
    }
    await frames.write({ proof: await this.policy.proofFor(reply.nonce) }, { signal })
    const final = (await frames.read({ signal })) as { admitted?: boolean; refused?: string }
    await stream.close().catch(() => undefined)
    return final.admitted === true
      ? verdict
      : transient(`it refused us: ${final.refused ?? 'no reason given'}`)
  }

  /** Listener side of the handshake. */
  private async answer(stream: Stream, connection: Connection): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<AdmissionVerdict>()
    this.track(connection, promise)
    const signal = AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS)
    const frames = new JsonFrames(stream)
    try {
      const hello = (await frames.read({ signal })) as Partial<Hello>
      if (typeof hello.dataspace !== 'string' || typeof hello.nonce !== 'string') {
        throw new Error('malformed admission hello')
      }
      const ourNonce = randomBytes(16).toString('base64url')
      if (hello.dataspace !== this.policy.dataspace) {
        const reason = `it belongs to data space "${hello.dataspace}", not "${this.policy.dataspace}"`
        await frames.write(
          { refused: `this node belongs to data space "${this.policy.dataspace}"` },
          { signal },
        )
        await stream.close().catch(() => undefined)
        resolve({ admitted: false, reason })
        return
      }
      await frames.write(
        { dataspace: this.policy.dataspace, nonce: ourNonce, proof: await this.policy.proofFor(hello.nonce) },
        { signal },
      )
      const shown = (await frames.read({ signal })) as { proof?: unknown; refused?: string }
      if (typeof shown.refused === 'string') {
        resolve(transient(`it refused us: ${shown.refused}`))
        return
      }
      const verdict = await this.policy.check(
        connection.remotePeer,
        { dataspace: hello.dataspace, proof: shown.proof },
        ourNonce,
      )
      await frames.write(verdict.admitted ? { admitted: true } : { refused: verdict.reason }, { signal })
      await stream.close().catch(() => undefined)
      resolve(verdict)
    } catch (error) {
      stream.abort(error as Error)
      resolve(transient(`handshake failed: ${(error as Error).message}`))
    }
  }
}
