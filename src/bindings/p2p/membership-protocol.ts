import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type JsonLdObject, parseStatusListUrl } from '../../credentials/index.js'
import {
  type Applicant,
  type DataspaceHandlers,
  type MembershipNotice,
  MembershipUnavailableError,
} from '../../dataspace/index.js'
import { didKeyFromPeerId, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { MEMBERSHIP_NOTICE_PROTOCOL, MEMBERSHIP_PROTOCOL, STATUS_PROTOCOL } from '../../protocol/index.js'
import { JsonFrames } from './json-frames.js'

// MEMBERSHIP_PROTOCOL: a peer asks an anchor for ITS OWN membership credential; the anchor finds it
// by the peer's Noise-authenticated PeerId (its did:key). Served before admission: it is how a new
// member gets admitted. Request `{name?, addresses?}` (how the anchor may call the applicant back once
// it is endorsed); answer `{credential}` or `{refused: reason, revokedAt?}`.
// MEMBERSHIP_NOTICE_PROTOCOL: an anchor tells a member of a change to its membership (revoked,
// endorsed) before it hangs up; accepted only from the data space's anchors. One frame
// `{state: 'revoked'|'endorsed', at}`, answered `{}`.
// STATUS_PROTOCOL: signed status list credentials by list URL, the issuer's own or a fresh copy a member
// holds. Request `{listUrl}`; answer `{credential}` or `{refused: reason}`.

/**
 * A credential or status list request gets this long, both ways: it runs inside an admission handshake (20 s),
 * and an anchor that a hundred new members ask at once answers slowly; a request given up on makes the
 * member show no credential, and the anchor then refuses it for half a minute.
 */
const REQUEST_TIMEOUT_MS = 15_000
// A status list credential of 131,072 entries is ~16 KiB compressed-then-base64; 256 KiB is ample.
const MAX_ANSWER_BYTES = 256 * 1024
const MAX_REQUEST_BYTES = 4 * 1024

/** What the membership and status protocol servers ask of the data space. */
export type MembershipProtocolHandlers = Pick<DataspaceHandlers, 'credentialFor' | 'notice' | 'statusList'>

/** Registers the membership (anchors only) and status protocol handlers. */
export async function serveMembershipProtocols(
  libp2p: Libp2p,
  handlers: MembershipProtocolHandlers,
  log: Logger,
): Promise<void> {
  await libp2p.handle(
    MEMBERSHIP_PROTOCOL,
    (stream, connection) =>
      void answer(stream, log, async (request) => {
        const did = didKeyFromPeerId(connection.remotePeer)
        const found = await handlers.credentialFor(did, applicantOf(request))
        if (found === undefined) return { refused: `${did} is not endorsed by this anchor` }
        if ('revokedAt' in found && typeof found.revokedAt === 'string' && !('proof' in found)) {
          return { refused: `the membership of ${did} was revoked`, revokedAt: found.revokedAt }
        }
        return { credential: found }
      }),
    { maxInboundStreams: 8 },
  )
  await libp2p.handle(
    MEMBERSHIP_NOTICE_PROTOCOL,
    (stream, connection) =>
      void answer(stream, log, async (request) => {
        const { state, at } = (request ?? {}) as { state?: unknown; at?: unknown }
        if ((state === 'revoked' || state === 'endorsed') && typeof at === 'string') {
          await handlers.notice(didKeyFromPeerId(connection.remotePeer), { state, at })
        }
        return {}
      }),
    { maxInboundStreams: 2 },
  )
  await libp2p.handle(
    STATUS_PROTOCOL,
    (stream) =>
      void answer(stream, log, async (request) => {
        const listUrl = (request as { listUrl?: unknown }).listUrl
        if (typeof listUrl !== 'string') return { refused: 'the request names no listUrl' }
        const credential = await handlers.statusList(listUrl).catch(() => undefined)
        return credential === undefined
          ? { refused: `this node neither issues nor holds a current copy of the status list ${listUrl}` }
          : { credential }
      }),
    { maxInboundStreams: 16 },
  )
}

function applicantOf(request: unknown): Applicant {
  const { name, addresses } = (request ?? {}) as { name?: unknown; addresses?: unknown }
  return {
    ...(typeof name === 'string' ? { name: name.slice(0, 200) } : {}),
    addresses: Array.isArray(addresses)
      ? addresses.filter((a): a is string => typeof a === 'string' && a.length < 300).slice(0, 8)
      : [],
  }
}

async function answer(
  stream: Stream,
  log: Logger,
  respond: (request: unknown) => Promise<unknown>,
): Promise<void> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  const frames = new JsonFrames(stream, MAX_REQUEST_BYTES)
  try {
    const request = await frames.read({ signal })
    await frames.write(await respond(request), { signal })
    await stream.close().catch(() => undefined)
  } catch (error) {
    log.debug({ err: (error as Error).message }, 'membership protocol request failed')
    stream.abort(error as Error)
  }
}

async function ask(
  libp2p: Libp2p,
  peer: PeerId,
  protocol: string,
  request: unknown,
  { dial, timeoutMs = REQUEST_TIMEOUT_MS }: { dial: boolean; timeoutMs?: number },
): Promise<JsonLdObject> {
  const signal = AbortSignal.timeout(timeoutMs)
  let stream: Stream
  try {
    if (dial) stream = await libp2p.dialProtocol(peer, protocol, { signal })
    else {
      const connection = libp2p.getConnections(peer).find((c) => c.status === 'open')
      if (connection === undefined) throw new Error('no open connection')
      stream = await connection.newStream(protocol, { signal })
    }
  } catch (cause) {
    throw new MembershipUnavailableError(
      `cannot reach ${peer.toString()} for ${protocol}: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
  const frames = new JsonFrames(stream, MAX_ANSWER_BYTES)
  try {
    await frames.write(request, { signal })
    const reply = (await frames.read({ signal })) as { credential?: unknown; refused?: unknown }
    await stream.close().catch(() => undefined)
    if (
      reply.credential !== null &&
      typeof reply.credential === 'object' &&
      !Array.isArray(reply.credential)
    ) {
      return reply.credential as JsonLdObject
    }
    if (typeof reply.refused === 'string') {
      const revokedAt = (reply as { revokedAt?: unknown }).revokedAt
      throw new MembershipUnavailableError(`${peer.toString()} refused: ${reply.refused}`, {
        refused: true,
        ...(typeof revokedAt === 'string' ? { revokedAt } : {}),
      })
    }
    throw new MembershipUnavailableError(`${peer.toString()} sent a malformed answer`)
  } catch (error) {
    stream.abort(error as Error)
    if (error instanceof MembershipUnavailableError) throw error
    throw new MembershipUnavailableError(
      `${protocol} with ${peer.toString()} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

/**
 * Asks an anchor for this node's membership credential (not verified here: the wallet does that), on the
 * connection that is open: it runs inside a handshake the anchor may end by refusing this node, and a new
 * dial here would start the next handshake and ask again, in a loop. The mesh redials, with backoff.
 */
export function requestMembershipCredential(
  libp2p: Libp2p,
  anchor: PeerId,
  applicant: Applicant = { addresses: [] },
): Promise<JsonLdObject> {
  return ask(libp2p, anchor, MEMBERSHIP_PROTOCOL, applicant, { dial: false })
}

/** Tells a member of a change to its membership (best effort: it may be gone already). */
export async function sendMembershipNotice(
  libp2p: Libp2p,
  member: PeerId,
  notice: MembershipNotice,
): Promise<void> {
  const signal = AbortSignal.timeout(2_000)
  try {
    const stream = await libp2p.dialProtocol(member, MEMBERSHIP_NOTICE_PROTOCOL, { signal })
    const frames = new JsonFrames(stream, MAX_REQUEST_BYTES)
    await frames.write(notice, { signal })
    await frames.read({ signal }).catch(() => undefined)
    await stream.close().catch(() => undefined)
  } catch {
    // the member learns it at its next credential request instead
  }
}

/** A peer that hands on a copy gets this long: another one, or the issuer, is asked next. */
const RELAY_TIMEOUT_MS = 5_000
/** Admitted peers asked for a copy before the issuer is dialled. */
const RELAYS_ASKED = 2

/**
 * Fetches a status list credential: from its issuer (found by the did:key in the list URL) when connected to
 * it, else a copy from up to {@link RELAYS_ASKED} admitted peers, else by dialling the issuer. In a data space of
 * hundreds every member checks every peer against its anchors' lists, and an anchor keeps no connection to
 * each member. The caller (StatusListCache) verifies what it gets, and takes no copy older than one it saw.
 */
export async function fetchStatusList(
  libp2p: Libp2p,
  listUrl: string,
  relays: () => PeerId[] = () => [],
): Promise<JsonLdObject> {
  const issuer = peerIdFromDidKey(parseStatusListUrl(listUrl).issuerDid)
  const request = { listUrl }
  if (libp2p.getConnections(issuer).some((c) => c.status === 'open')) {
    const direct = await ask(libp2p, issuer, STATUS_PROTOCOL, request, { dial: false }).catch(() => undefined)
    if (direct !== undefined) return direct
  }
  for (const peer of relays()
    .filter((p) => !p.equals(issuer))
    .slice(0, RELAYS_ASKED)) {
    const copy = await ask(libp2p, peer, STATUS_PROTOCOL, request, {
      dial: false,
      timeoutMs: RELAY_TIMEOUT_MS,
    }).catch(() => undefined)
    if (copy !== undefined) return copy
  }
  return ask(libp2p, issuer, STATUS_PROTOCOL, request, { dial: true })
}
