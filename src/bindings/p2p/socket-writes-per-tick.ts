import { Socket } from 'node:net'
import type { ConnectionEncrypter } from '@libp2p/interface'

/** What libp2p's TCP connection is underneath what it hands the encrypter: its socket, and how it writes. */
interface SocketConnection {
  socket?: unknown
  sendData(data: unknown): unknown
}

/**
 * Wraps a connection encrypter so that what a connection sends in one tick reaches its TCP socket in one
 * system call: the socket is corked at the tick's first write and uncorked on `process.nextTick`, when Node
 * writes the buffers held as one `writev`. Each yamux frame is a Noise message and each a write of its own,
 * and frames come in bursts (a stream's opening and protocol negotiation, a window update beside data,
 * gossip to a peer): in a data space of four nodes (bench/dataspace-scale), 1,290 socket writes fell into
 * 561 ticks of a connection, 2.3 a tick. In another such run, every second node on the build before, the
 * nodes of this build made 139 and 166 write system calls to sockets, those of the build before 350 and
 * 386 (strace; ratio 0.41). Backpressure stays the socket's: a corked socket counts what it holds, so a
 * write past its high-water mark still returns false, and `drain` follows once the held buffers are written.
 */
export function socketWritesPerTick<C>(
  factory: (components: C) => ConnectionEncrypter,
): (components: C) => ConnectionEncrypter {
  return (components) => {
    const encrypter = factory(components)
    const corking =
      <R>(secure: (connection: unknown, ...rest: unknown[]) => R) =>
      (connection: unknown, ...rest: unknown[]) => {
        corkEachTick(connection as SocketConnection)
        return secure(connection, ...rest)
      }
    return new Proxy(encrypter, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        const bound = value.bind(target)
        return prop === 'secureInbound' || prop === 'secureOutbound' ? corking(bound) : bound
      },
    })
  }
}

/** Corks the connection's socket from the first write of a tick to the next; no TCP socket, no change. */
function corkEachTick(connection: SocketConnection): void {
  const socket = connection.socket
  if (!(socket instanceof Socket)) return
  const sendData = connection.sendData.bind(connection)
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  connection.sendData = (data) => {
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    return sendData(data)
  }
}
