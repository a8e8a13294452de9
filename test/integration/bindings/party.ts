import '../../../src/polyfills.js'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import {
  DspHttpClient,
  DspHttpServer,
  IdTokenAuthenticator,
  IdTokenIssuer,
} from '../../../src/bindings/http/index.js'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pDataspaceNetwork,
  P2pDspEndpoint,
  PeerAdmission,
} from '../../../src/bindings/p2p/index.js'
import type { JsonLdObject } from '../../../src/credentials/index.js'
import { StatusListIssuer } from '../../../src/credentials/index.js'
import { DataspaceService, readDescriptorFile, sameDataspacePolicy } from '../../../src/dataspace/index.js'
import type { NodeKey } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import {
  type Catalog,
  type ContractNegotiation,
  createCatalogRequestMessage,
  createContractNegotiation,
  type DspBinding,
  type DspMessage,
  NotFoundError,
  UnknownProcessError,
  validateMessage,
} from '../../../src/protocol/index.js'
import { Store } from '../../../src/store/index.js'
import { eventually, tempDir } from '../../support/cli-process.js'

/** What the party's client saw of one answer: the HTTP status over DSP HTTP, nothing over libp2p. */
export interface Exchange {
  readonly status?: number
}

/**
 * One face of the party: the binding's own client to send with, and where the node answers it.
 * The suite runs the same scenarios through each face.
 */
export interface PartyFace {
  readonly binding: DspBinding
  /** The party's DSP address on this binding: its `callbackAddress`. */
  readonly callbackAddress: string
  /** Sends a negotiation message to the provider node; the ACK, or the binding client's error. */
  send(message: unknown, recipient: 'provider' | 'consumer'): Promise<DspMessage>
  /** The provider's catalog as this party may see it. */
  catalog(): Promise<Catalog>
  /** The last answer's exchange (its HTTP status over DSP HTTP). */
  readonly last: Exchange
}

/**
 * The consumer side of the party: it acknowledges whatever the provider sends and keeps it, so a
 * scenario can wait for a message the node owed it. The same record serves both bindings' servers.
 */
class ConsumerRecord {
  readonly received: DspMessage[] = []
  private readonly acks = new Map<string, ContractNegotiation>()

  handle(message: DspMessage): ContractNegotiation {
    this.received.push(message)
    const { providerPid, consumerPid } = message as { providerPid?: string; consumerPid?: string }
    if (providerPid === undefined || consumerPid === undefined) {
      throw new UnknownProcessError('negotiation', consumerPid ?? '')
    }
    const state =
      message['@type'] === 'ContractNegotiationTerminationMessage'
        ? 'TERMINATED'
        : message['@type'] === 'ContractAgreementMessage'
          ? 'AGREED'
          : message['@type'] === 'ContractOfferMessage'
            ? 'OFFERED'
            : 'FINALIZED'
    const ack = createContractNegotiation({ providerPid, consumerPid, state })
    this.acks.set(consumerPid, ack)
    return ack
  }

  /** Keeps the ACK of a message the party sent: its server then knows the process by the consumer pid. */
  remember(answer: DspMessage): DspMessage {
    if (answer['@type'] === 'ContractNegotiation') this.acks.set(answer.consumerPid, answer)
    return answer
  }

  describe(pid: string): ContractNegotiation {
    const ack = this.acks.get(pid)
    if (ack === undefined) throw new UnknownProcessError('negotiation', pid)
    return ack
  }
}

/**
 * A member of the data space run inside the test: endorsed by the anchor, admitted over libp2p,
 * and listening for DSP HTTP on 127.0.0.1. It speaks to the node under test through each binding's
 * own client and server (not the connector's wiring), so what differs between the bindings shows.
 */
export class Party {
  readonly record = new ConsumerRecord()
  private readonly log = createSilentLogger()
  private libp2p?: AllmendeLibp2p
  private dataspace?: DataspaceService
  private store?: Store
  private server?: DspHttpServer
  private p2p?: P2pDspEndpoint
  private http?: DspHttpClient
  private readonly exchanges: Record<DspBinding, Exchange> = { libp2p: {}, http: {} }

  constructor(
    readonly key: NodeKey,
    /** The provider node: its DID, libp2p address and DSP HTTP base. */
    private readonly provider: { did: string; multiaddr: string; dspUrl: string },
  ) {}

  /** Joins with the anchor's descriptor, connects to the provider and waits for its membership credential. */
  async start(descriptorFile: string): Promise<void> {
    const descriptor = await readDescriptorFile(descriptorFile)
    const store = await Store.open(join(await tempDir('allmende-party-'), 'db'))
    this.store = store
    const admission = new PeerAdmission(this.log, sameDataspacePolicy(descriptor.id))
    const dataspace = new DataspaceService({
      descriptor,
      key: this.key,
      store,
      statusLists: await StatusListIssuer.open({ store, key: this.key }),
      log: this.log,
    })
    this.dataspace = dataspace
    admission.setPolicy(dataspace.policy)
    const libp2p = await buildLibp2p({
      privateKey: this.key.privateKey,
      dataspace: descriptor.id,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      admission,
    })
    this.libp2p = libp2p
    await admission.start(libp2p)
    await dataspace.start(new P2pDataspaceNetwork(libp2p, admission, descriptor.id, this.log))
    await libp2p.start()
    const p2p = new P2pDspEndpoint(libp2p, admission, this.log)
    await p2p.serve('negotiation', async (message) => this.record.handle(message))
    this.p2p = p2p
    await libp2p.dial(multiaddr(this.provider.multiaddr))
    await eventually(
      async () => ((await dataspace.updateStanding()).reason === undefined ? true : undefined),
      { what: 'the party to hold its membership credential', timeoutMs: 60_000 },
    )
    const server: DspHttpServer = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: this.key.did, baseUrl: () => server.baseUrl }),
      services: {
        catalog: async () => {
          throw new NotFoundError('the party publishes no catalog')
        },
        dataset: async () => {
          throw new NotFoundError('the party publishes no catalog')
        },
        negotiations: {
          handle: async (message) => this.record.handle(message),
          describe: async (pid) => this.record.describe(pid),
        },
      },
      log: this.log,
    })
    await server.start()
    this.server = server
    this.http = new DspHttpClient({
      tokens: new IdTokenIssuer({
        key: this.key,
        presentation: async (audience) => (await dataspace.policy.proofFor(audience)) as JsonLdObject,
      }),
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        this.exchanges.http = { status: response.status }
        return response
      },
    })
  }

  /** The party as it speaks over one binding. */
  face(binding: DspBinding): PartyFace {
    const { provider, exchanges } = this
    const p2p = this.p2p!
    const http = this.http!
    if (binding === 'libp2p') {
      return {
        binding,
        callbackAddress: `/p2p/${this.key.peerId.toString()}`,
        send: async (message) =>
          this.record.remember(await p2p.request(provider.did, 'negotiation', message)),
        catalog: async () =>
          validateMessage(
            'Catalog',
            await p2p.request(provider.did, 'catalog', createCatalogRequestMessage({ filter: [] })),
          ),
        last: exchanges.libp2p,
      }
    }
    return {
      binding,
      callbackAddress: this.server!.baseUrl!,
      send: async (message, recipient) =>
        this.record.remember(await http.send(provider.did, provider.dspUrl, recipient, message)),
      catalog: () => http.catalog(provider.dspUrl, provider.did),
      get last() {
        return exchanges.http
      },
    }
  }

  /** Waits for a message the provider sent this party for `consumerPid`. */
  received(consumerPid: string, type: DspMessage['@type']): Promise<DspMessage> {
    return eventually(
      async () =>
        this.record.received.find(
          (m) => m['@type'] === type && (m as { consumerPid?: string }).consumerPid === consumerPid,
        ),
      { what: `${type} for ${consumerPid}`, timeoutMs: 60_000 },
    )
  }

  async stop(): Promise<void> {
    await this.server?.stop()
    this.dataspace?.stop()
    await this.libp2p?.stop()
    await this.store?.close()
  }
}
