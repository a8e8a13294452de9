import type { DataAddress, DspBinding, DspMessage, PeerAddressing } from '../protocol/index.js'
import { DataProtocolError, type DataPuller, type DataRequest, type PullTarget } from '../transfer/index.js'
import type { DspHttpClient } from './http/index.js'
import type { P2pDspEndpoint } from './p2p/index.js'

/** Where a message goes besides the peer's DID: the peer's address and the receiving role. */
export interface PeerRoute {
  /** The peer's DSP address as it gave it (`callbackAddress`, a provider's base URL, `/p2p/…`). */
  readonly callbackAddress?: string
  readonly recipient: 'provider' | 'consumer'
}

/** Sends one DSP message to a peer and returns its answer (what the domain's messengers are). */
export interface DspMessenger {
  send(peer: string, message: unknown, route?: PeerRoute): Promise<DspMessage>
}

/** This node's DSP HTTP listener as the dispatcher sees it (`DspHttpServer`). */
export interface OwnHttpListener {
  /** The versioned DSP base; undefined before it listens. */
  readonly baseUrl: string | undefined
  dataEndpoint(transferId: string): string | undefined
}

/** Is `address` a DSP HTTP address (the peer is reached over HTTPS, not libp2p)? */
export function isHttpAddress(address: string | undefined): address is string {
  return address !== undefined && /^https?:\/\//i.test(address)
}

/**
 * The one place that picks the binding: a peer whose address is an http(s) URL is reached over
 * DSP HTTP, every other peer (a `/p2p/…` address or none) over libp2p by its DID. The services
 * hand over the address they were given and never look at it.
 */
export class PeerDispatcher implements PeerAddressing {
  private listener?: OwnHttpListener

  constructor(
    private readonly p2p: P2pDspEndpoint,
    private readonly http: DspHttpClient,
    private readonly own: { readonly peerId: string },
  ) {}

  /** This node's DSP HTTP listener, once it listens: from then on its base is this node's HTTP address. */
  listenOverHttp(listener: OwnHttpListener): void {
    this.listener = listener
  }

  bindingOf(address: string | undefined): DspBinding {
    return isHttpAddress(address) ? 'http' : 'libp2p'
  }

  ownAddress(binding: DspBinding): string | undefined {
    return binding === 'http' ? this.listener?.baseUrl : `/p2p/${this.own.peerId}`
  }

  /** Where a consumer on DSP HTTP pulls a transfer's data (`HttpData-PULL`); undefined without the HTTP listener. */
  httpDataEndpoint(transferId: string): string | undefined {
    return this.listener?.dataEndpoint(transferId)
  }

  /** The messenger of one DSP area. */
  messenger(area: 'negotiation' | 'transfer'): DspMessenger {
    return {
      send: (peer, message, route) => {
        const address = route?.callbackAddress
        return route !== undefined && isHttpAddress(address)
          ? this.http.send(peer, address, route.recipient, message)
          : this.p2p.request(peer, area, message)
      },
    }
  }
}

/**
 * The one place that picks the data plane of a pull: the first of `pullers` that serves the start
 * message's `dataAddress` (libp2p or `HttpData-PULL`). The transfer manager hands the address over
 * and never reads it.
 */
export class PullDispatcher implements DataPuller {
  constructor(private readonly pullers: readonly DataPuller[]) {}

  serves(address: DataAddress | undefined): boolean {
    return this.pullers.some((puller) => puller.serves(address))
  }

  pull(
    peer: string,
    request: DataRequest,
    target: PullTarget,
    signal: AbortSignal,
    address?: DataAddress,
  ): Promise<unknown> {
    const puller = this.pullers.find((candidate) => candidate.serves(address))
    if (puller === undefined) {
      return Promise.reject(
        new DataProtocolError(
          `no data plane of this node pulls from ${address?.endpointType ?? 'no address'}`,
        ),
      )
    }
    return puller.pull(peer, request, target, signal, address)
  }
}
