import { StreamState, YamuxStream } from '@libp2p/yamux/stream'

/** The receive window fields {@link YamuxStream} keeps private. */
interface ReceiveWindow {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

/**
 * Makes yamux streams grant their peer more receive window only once half of it is used, as Hashicorp's and
 * go-libp2p's yamux do. @libp2p/yamux answers every data frame with a window update: a frame of its own,
 * encrypted and written to the socket, for each gossip message or request a node receives (about a tenth of an
 * anchor's CPU samples while a hundred members joined). A sender still has at least half a window (128 KiB)
 * left when the update goes out, so no stream waits for one. Frames that open or acknowledge a stream are
 * sent as before. Applies to every yamux stream of this process; calling it again changes nothing.
 */
export function grantWindowAtHalf(): void {
  const prototype = YamuxStream.prototype as YamuxStream & { [patched]?: true }
  if (prototype[patched] === true) return
  const everyFrame = prototype.sendWindowUpdate
  prototype.sendWindowUpdate = function (this: YamuxStream) {
    const window = this as unknown as ReceiveWindow
    if (window.state === StreamState.Established && window.recvWindowCapacity > window.recvWindow / 2) return
    everyFrame.call(this)
  }
  prototype[patched] = true
}

const patched = Symbol('allmende.grantWindowAtHalf')
