import type { Connection, PeerId, Stream, StreamHandler, Topology } from '@libp2p/interface'

/** What the gate asks of admission: the verdict on a peer, waiting for a handshake that is running. */
export interface AdmissionVerdicts {
  isAdmitted(peer: PeerId): Promise<boolean>
}

interface Registrar {
  handle(protocol: string, handler: StreamHandler, options?: unknown): Promise<void>
  register(protocol: string, topology: Topology): Promise<string>
}

/**
 * Wraps a libp2p service factory (DHT, gossipsub, identify) so the service serves and meets admitted peers
 * only: its inbound streams from anyone else are reset before the service reads a byte, and its topology
 * learns of a peer (to add it to a routing table, a gossip mesh) only once the peer is admitted. The service
 * gets the real components otherwise; this uses nothing but the registrar every service registers with.
 */
export function membersOnly<C extends object, S>(
  factory: (components: C) => S,
  admission: AdmissionVerdicts,
): (components: C) => S {
  return (components) => {
    const real = (components as { registrar: Registrar }).registrar
    const registrar = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'handle') {
          return (protocol: string, handler: StreamHandler, options?: unknown) =>
            target.handle(protocol, gateHandler(handler, admission), options)
        }
        if (prop === 'register') {
          return (protocol: string, topology: Topology) =>
            target.register(protocol, gateTopology(topology, admission))
        }
        const value = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const gated = new Proxy(components, {
      get(target, prop, receiver) {
        return prop === 'registrar' ? registrar : Reflect.get(target, prop, receiver)
      },
    })
    return factory(gated)
  }
}

function gateHandler(handler: StreamHandler, admission: AdmissionVerdicts): StreamHandler {
  return async (stream: Stream, connection: Connection) => {
    if (!(await admission.isAdmitted(connection.remotePeer))) {
      stream.abort(new Error('this node serves admitted members only'))
      return
    }
    await handler(stream, connection)
  }
}

function gateTopology(topology: Topology, admission: AdmissionVerdicts): Topology {
  const onConnect = topology.onConnect?.bind(topology)
  return {
    ...topology,
    onDisconnect: topology.onDisconnect?.bind(topology),
    ...(onConnect === undefined
      ? {}
      : {
          onConnect: (peer: PeerId, connection: Connection) => {
            void admission.isAdmitted(peer).then((admitted) => {
              if (admitted && connection.status === 'open') onConnect(peer, connection)
            })
          },
        }),
  }
}
