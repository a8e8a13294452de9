import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { JsonFrames } from '../bindings/p2p/index.js'
import { type JsonLdObject, parseStatusListUrl } from '../credentials/index.js'
import { didKeyFromPeerId, peerIdFromDidKey } from '../identity/index.js'
import type { Logger } from '../log/index.js'
import { MEMBERSHIP_PROTOCOL, STATUS_PROTOCOL } from '../protocol/index.js'
import { MembershipUnavailableError } from './errors.js'

// MEMBERSHIP_PROTOCOL: a peer asks an anchor for ITS OWN membership credential; the anchor finds it
// by the peer's Noise-authenticated PeerId (its did:key). Served before admission: it is how a new
// member gets admitted. Request `{}`; answer `{credential}` or `{refused: reason}`.
// STATUS_PROTOCOL: signed status list credentials by list URL. Request `{listUrl}`; answer
// `{credential}` or `{refused: reason}`.

const REQUEST_TIMEOUT_MS = 5_000
// A status list credential of 131,072 entries is ~16 KiB compressed-then-base64; 256 KiB is ample.
const MAX_ANSWER_BYTES = 256 * 1024
const MAX_REQUEST_BYTES = 4 * 1024

/** What the membership and status protocol servers ask of the node. */
export interface MembershipProtocolHandlers {
  /** The active membership credential of a member DID, if this anchor endorsed it. Absent: no membership server. */
  credentialFor?(did: string): Promise<JsonLdObject | undefined>
  /** The signed status list credential by URL, if this node issues it. */
  statusList(listUrl: string): Promise<JsonLdObject | undefined>
}

/** Registers the membership (anchors only) and status protocol handlers. */
export async function serveMembershipProtocols(
  libp2p: Libp2p,
  handlers: MembershipProtocolHandlers,
  log: Logger,
): Promise<void> {
  const credentialFor = handlers.credentialFor
  if (credentialFor !== undefined) {
    await libp2p.handle(
      MEMBERSHIP_PROTOCOL,
      (stream, connection) =>
        void answer(stream, log, async () => {
          const did = didKeyFromPeerId(connection.remotePeer)
          const credential = await credentialFor(did)
          return credential === undefined
            ? { refused: `${did} is not endorsed by this anchor (or its membership was revoked)` }
            : { credential }
        }),
      { maxInboundStreams: 8 },
    )
  }
  await libp2p.handle(
    STATUS_PROTOCOL,
    (stream) =>
      void answer(stream, log, async (request) => {
        const listUrl = (request as { listUrl?: unknown }).listUrl
        if (typeof listUrl !== 'string') return { refused: 'the request names no listUrl' }
        const credential = await handlers.statusList(listUrl).catch(() => undefined)
        return credential === undefined
          ? { refused: `this node does not issue the status list ${listUrl}` }
          : { credential }
      }),
    { maxInboundStreams: 16 },
  )
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

async function ask(libp2p: Libp2p, peer: PeerId, protocol: string, request: unknown): Promise<JsonLdObject> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, protocol, { signal })
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
      throw new MembershipUnavailableError(`${peer.toString()} refused: ${reply.refused}`, { refused: true })
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

/** Asks an anchor for this node's membership credential (not verified here: the wallet does that). */
export function requestMembershipCredential(libp2p: Libp2p, anchor: PeerId): Promise<JsonLdObject> {
  return ask(libp2p, anchor, MEMBERSHIP_PROTOCOL, {})
}

/**
 * Fetches a status list credential from its issuer, found by the did:key in the list URL; the caller
 * (StatusListCache) verifies it. Usable as a `StatusListFetcher`.
 */
export function fetchStatusList(libp2p: Libp2p, listUrl: string): Promise<JsonLdObject> {
  const { issuerDid } = parseStatusListUrl(listUrl)
  return ask(libp2p, peerIdFromDidKey(issuerDid), STATUS_PROTOCOL, { listUrl })
}
