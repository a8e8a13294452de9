import type { Stream } from '@libp2p/interface'

/**
 * The parts of a yamux stream (`@libp2p/yamux` 8) that set how many bytes its peer may send ahead:
 * private fields there, with no public setter. yamux grows a stream's window only once it knows the
 * connection's round-trip time, which it measures with its keep-alive pings, and those are off
 * (`create-libp2p.ts`). Without this a stream keeps 256 KiB in flight at most.
 */
interface YamuxReceiveWindow {
  recvWindow: number
  sendWindowUpdate(): void
}

function isYamuxWindow(stream: object): stream is YamuxReceiveWindow {
  const candidate = stream as Partial<YamuxReceiveWindow>
  return typeof candidate.recvWindow === 'number' && typeof candidate.sendWindowUpdate === 'function'
}

/**
 * Lets the peer of `stream` send up to `bytes` ahead of what this side has read, by widening the
 * stream's yamux receive window and telling the peer at once. For bulk streams between admitted
 * peers whose reader takes every byte off the stream as it arrives, and bounds it itself (the data
 * plane's credit). Whether the window could be widened: a muxer other than yamux keeps its own.
 */
export function widenReceiveWindow(stream: Stream, bytes: number): boolean {
  if (!isYamuxWindow(stream)) return false
  if (stream.recvWindow < bytes) {
    stream.recvWindow = bytes
    stream.sendWindowUpdate()
  }
  return true
}
