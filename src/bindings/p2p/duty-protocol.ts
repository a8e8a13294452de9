import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { didKeyFromPeerId, peerIdFromDidKey } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { AllmendeError, DUTY_PROTOCOL, PeerUnreachableError } from '../../protocol/index.js'
import type { DutyAck, DutyMessage, DutyMessenger } from '../../transfer/index.js'
import type { PeerAdmission } from './admission.js'
import { JsonFrames } from './json-frames.js'

/** Deletion receipts and usage notices from consumer to provider: one JSON frame each way. */

/** Duty messages are small; a larger frame is refused before it is buffered. */
const MAX_DUTY_FRAME_BYTES = 64 * 1024
const REQUEST_TIMEOUT_MS = 15_000

/** Answers one duty message from an admitted peer (by its did:key). */
export type DutyHandler = (message: unknown, caller: string) => Promise<DutyAck>

/** The provider refused a duty message (`DutyError` frame): not retried. */
export class RemoteDutyError extends AllmendeError {
  static override name = 'RemoteDutyError'
  constructor(
    readonly remoteCode: string,
    reason: string,
  ) {
    super('ALLMENDE_REMOTE_ERROR', `the provider refused the duty message: ${reason} (${remoteCode})`)
  }
}

/**
 * The duty protocol over libp2p: the consumer sends a signed `DeletionReceipt` or `UsageNotice`,
 * the provider answers a `DutyAck` or a `DutyError`. Only admitted peers are served; that the sender
 * is the agreement's consumer and signed the message is the tracker's check.
 */
export class P2pDutyEndpoint implements DutyMessenger {
  constructor(
    private readonly libp2p: Libp2p,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
  ) {}

  async serve(handler: DutyHandler): Promise<void> {
    await this.libp2p.handle(DUTY_PROTOCOL, (stream, connection) =>
      this.answer(handler, stream, connection.remotePeer),
    )
  }

  async stop(): Promise<void> {
    await this.libp2p.unhandle(DUTY_PROTOCOL)
  }

  async send(peer: string, message: DutyMessage): Promise<DutyAck> {
    const peerId = peerIdFromDidKey(peer)
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    let stream: Stream
    try {
      stream = await this.admission.openStream(peerId, DUTY_PROTOCOL, { signal })
    } catch (cause) {
      throw new PeerUnreachableError(peerId.toString(), (cause as Error).message, { cause })
    }
    const frames = new JsonFrames(stream, MAX_DUTY_FRAME_BYTES)
    try {
      await frames.write(message, { signal })
      const answer = (await frames.read({ signal })) as Record<string, unknown>
      await stream.close().catch(() => undefined)
      if (answer?.type === 'DutyError') {
        throw new RemoteDutyError(String(answer.code ?? 'unknown'), String(answer.reason ?? ''))
      }
      if (answer?.type !== 'DutyAck' || typeof answer.state !== 'string') {
        throw new RemoteDutyError('ALLMENDE_INVALID_INPUT', 'the provider answered with no DutyAck')
      }
      return answer as unknown as DutyAck
    } catch (error) {
      stream.abort(error as Error)
      throw error
    }
  }

  private async answer(handler: DutyHandler, stream: Stream, peer: PeerId): Promise<void> {
    const frames = new JsonFrames(stream, MAX_DUTY_FRAME_BYTES)
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    try {
      await this.admission.requireAdmittedStream(peer, DUTY_PROTOCOL)
      const message = await frames.read({ signal })
      await frames.write(await handler(message, didKeyFromPeerId(peer)), { signal })
    } catch (error) {
      const exposed = error instanceof AllmendeError && error.expose
      if (!exposed) this.log.error({ err: error, peer: peer.toString() }, 'duty message failed')
      const body = {
        type: 'DutyError',
        code: exposed ? error.code : 'ALLMENDE_INTERNAL',
        reason: exposed ? error.message : 'the provider could not process the message',
      }
      await frames.write(body, { signal }).catch(() => undefined)
    }
    await stream.close().catch(() => undefined)
  }
}
