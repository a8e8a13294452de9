import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type DataspaceHandlers, descriptorVersion } from '../../dataspace/index.js'
import type { Logger } from '../../log/index.js'
import { DESCRIPTOR_PROTOCOL } from '../../protocol/index.js'
import { JsonFrames } from './json-frames.js'

// DESCRIPTOR_PROTOCOL: admitted peers compare descriptor versions and hand the newer one over, so an
// update signed by the anchors reaches every member through any peer. Request `{version, descriptor?,
// revocationLists?}` (the asker's version, descriptor and the anchors' signed revocation lists it holds);
// answer `{version, descriptor?, revocationLists?}` (the answerer's descriptor when newer, and its lists).
// Each side keeps the newer of every anchor's list, so a revocation reaches members that missed its
// announcement through any peer.

const TIMEOUT_MS = 5_000
// A descriptor with dozens of anchors and bootstrap addresses, and their revocation lists, stay far below this.
const MAX_BYTES = 256 * 1024
// One list per anchor: more than any descriptor names.
const MAX_LISTS = 64

interface SyncMessage {
  version: number
  descriptor?: unknown
  revocationLists?: unknown[]
}

/** What the sync needs of the data space (its descriptor, taking over a newer one) and of admission. */
export interface DescriptorHolder extends Pick<DataspaceHandlers, 'descriptor' | 'adopt'> {
  /** Whether a peer passed admission (only members are told about the data space). */
  isAdmitted(peer: PeerId): Promise<boolean>
  /** The anchors' signed revocation lists this node holds. */
  revocationLists(): unknown[]
  /** Takes the lists a peer holds (each is verified; older ones are ignored). */
  takeRevocationLists(lists: readonly unknown[]): Promise<void>
}

function offer(holder: DescriptorHolder, theirVersion: number): SyncMessage {
  const version = descriptorVersion(holder.descriptor)
  const revocationLists = holder.revocationLists()
  return {
    version,
    ...(version > theirVersion ? { descriptor: holder.descriptor } : {}),
    ...(revocationLists.length === 0 ? {} : { revocationLists }),
  }
}

async function take(
  holder: DescriptorHolder,
  message: SyncMessage,
  peer: PeerId,
  log: Logger,
): Promise<void> {
  if (message.revocationLists !== undefined) {
    await holder
      .takeRevocationLists(message.revocationLists.slice(0, MAX_LISTS))
      .catch((error: Error) =>
        log.debug({ peer: peer.toString(), err: error.message }, 'revocation lists not taken'),
      )
  }
  if (message.descriptor === undefined || message.version <= descriptorVersion(holder.descriptor)) return
  try {
    await holder.adopt(message.descriptor)
    log.info(
      { peer: peer.toString(), version: message.version },
      'took over a newer data space descriptor from a peer',
    )
  } catch (error) {
    log.warn(
      { peer: peer.toString(), err: (error as Error).message },
      'a peer offered a descriptor this node does not accept',
    )
  }
}

function parse(raw: unknown): SyncMessage {
  const version = (raw as { version?: unknown } | null)?.version
  if (typeof version !== 'number' || !Number.isInteger(version)) throw new Error('malformed descriptor sync')
  const { descriptor, revocationLists } = raw as { descriptor?: unknown; revocationLists?: unknown }
  return {
    version,
    ...(descriptor === undefined ? {} : { descriptor }),
    ...(Array.isArray(revocationLists) ? { revocationLists } : {}),
  }
}

/** Serves the descriptor sync to admitted peers. */
export async function serveDescriptorSync(
  libp2p: Libp2p,
  holder: DescriptorHolder,
  log: Logger,
): Promise<void> {
  await libp2p.handle(
    DESCRIPTOR_PROTOCOL,
    async (stream: Stream, connection) => {
      const signal = AbortSignal.timeout(TIMEOUT_MS)
      const frames = new JsonFrames(stream, MAX_BYTES)
      try {
        if (!(await holder.isAdmitted(connection.remotePeer))) throw new Error('not admitted')
        const request = parse(await frames.read({ signal }))
        await frames.write(offer(holder, request.version), { signal })
        await stream.close().catch(() => undefined)
        await take(holder, request, connection.remotePeer, log)
      } catch (error) {
        stream.abort(error as Error)
      }
    },
    { maxInboundStreams: 4 },
  )
}

/** Compares descriptors with one admitted peer; the older side takes the newer one. */
export async function syncDescriptor(
  libp2p: Libp2p,
  holder: DescriptorHolder,
  peer: PeerId,
  log: Logger,
): Promise<void> {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, DESCRIPTOR_PROTOCOL, { signal })
  } catch (error) {
    log.debug({ peer: peer.toString(), err: (error as Error).message }, 'descriptor sync not possible')
    return
  }
  const frames = new JsonFrames(stream, MAX_BYTES)
  try {
    const revocationLists = holder.revocationLists()
    await frames.write(
      {
        version: descriptorVersion(holder.descriptor),
        descriptor: holder.descriptor,
        ...(revocationLists.length === 0 ? {} : { revocationLists }),
      } satisfies SyncMessage,
      { signal },
    )
    const answer = parse(await frames.read({ signal }))
    await stream.close().catch(() => undefined)
    await take(holder, answer, peer, log)
  } catch (error) {
    stream.abort(error as Error)
    log.debug({ peer: peer.toString(), err: (error as Error).message }, 'descriptor sync failed')
  }
}
