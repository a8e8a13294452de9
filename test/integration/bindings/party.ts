import '../../../src/polyfills.js'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerDispatcher } from '../../../src/bindings/dispatcher.js'
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
  createTransferProcess,
  type DspBinding,
  type DspMessage,
  NotFoundError,
  type TransferProcess,
  UnknownProcessError,
  validateMessage,
} from '../../../src/protocol/index.js'
import { Store } from '../../../src/store/index.js'
import { TRANSFER_MOVE_TARGETS, type TransferMove } from '../../../src/transfer/index.js'
import { eventually } from '../../support/cli-process.js'
import { tempDir } from '../../support/temp-dir.js'

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
  /** Sends a negotiation or transfer message to the node; the ACK, or the binding client's error. */
  send(message: unknown, recipient: 'provider' | 'consumer'): Promise<DspMessage>
  /** The provider's catalog as this party may see it. */
  catalog(): Promise<Catalog>
  /** The last answer's exchange (its HTTP status over DSP HTTP). */
  readonly last: Exchange
}

/** The DSP area of a message: its transfer and negotiation messages travel apart on both bindings. */
function areaOf(message: unknown): 'negotiation' | 'transfer' {
  const type = String((message as { '@type'?: unknown })['@type'] ?? '')
  return type.startsWith('Transfer') ? 'transfer' : 'negotiation'
}

/** The negotiation state a message from the provider leads the party's side to. */
function negotiationStateOf(type: string): string {
  if (type === 'ContractNegotiationTerminationMessage') return 'TERMINATED'
  if (type === 'ContractAgreementMessage') return 'AGREED'
  if (type === 'ContractOfferMessage') return 'OFFERED'
  return 'FINALIZED'
}

/**
 * The consumer side of the party: it acknowledges whatever the node sends it (negotiation and
 * transfer messages alike) and keeps it, so a scenario can wait for a message the node owed it; or
 * it refuses a message with the error a scenario armed for its process. The same record serves
 * both bindings' servers.
 */
class ConsumerRecord {
  readonly received: DspMessage[] = []
  private readonly negotiations = new Map<string, ContractNegotiation>()
  private readonly transfers = new Map<string, TransferProcess>()
  private readonly refusals = new Map<string, Error[]>()

  /** The next messages for process `consumerPid` are refused, one with each of `errors` in turn. */
  refuse(consumerPid: string, errors: readonly Error[]): void {
    this.refusals.set(consumerPid, [...errors])
  }

  /** Who sent each received message, as its binding authenticated it (Noise peer, ID token). */
  private readonly senders = new WeakMap<DspMessage, string>()

  handle(message: DspMessage, caller: string): ContractNegotiation | TransferProcess {
    this.received.push(message)
    this.senders.set(message, caller)
    const area = areaOf(message)
    const { providerPid, consumerPid } = message as { providerPid?: string; consumerPid?: string }
    if (providerPid === undefined || consumerPid === undefined) {
      throw new UnknownProcessError(area, consumerPid ?? '')
    }
    const refusal = this.refusals.get(consumerPid)?.shift()
    if (refusal !== undefined) throw refusal
    if (area === 'transfer') {
      const state = TRANSFER_MOVE_TARGETS[message['@type'] as TransferMove]
      const ack = createTransferProcess({ providerPid, consumerPid, state })
      this.transfers.set(consumerPid, ack)
      return ack
    }
    const ack = createContractNegotiation({
      providerPid,
      consumerPid,
      state: negotiationStateOf(String(message['@type'])) as ContractNegotiation['state'],
    })
    this.negotiations.set(consumerPid, ack)
    return ack
  }

  /** The DID that sent a received message. */
  senderOf(message: DspMessage): string | undefined {
    return this.senders.get(message)
  }

  /** Keeps the ACK of a message the party sent: its server then knows the process by the consumer pid. */
  remember(answer: DspMessage): DspMessage {
    if (answer['@type'] === 'ContractNegotiation') this.negotiations.set(answer.consumerPid, answer)
    if (answer['@type'] === 'TransferProcess') this.transfers.set(answer.consumerPid, answer)
    return answer
  }

  describe(area: 'negotiation' | 'transfer', pid: string): ContractNegotiation | TransferProcess {
    const ack = (area === 'negotiation' ? this.negotiations : this.transfers).get(pid)
    if (ack === undefined) throw new UnknownProcessError(area, pid)
    return ack
  }
}

/** One POST a provider made to the party's push endpoint. */
export interface PushDelivery {
  readonly method?: string
  readonly path: string
  readonly authorization?: string
  readonly contentType?: string
  readonly body: Buffer
}

/**
 * The party's own data endpoint for `HttpData-PUSH` (the consumer names it in its request): keeps
 * each delivery, and answers 403 while {@link PushInbox.refusing}.
 */
class PushInbox {
  readonly deliveries: PushDelivery[] = []
  refusing = false
  private server?: Server
  url = ''

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        this.deliveries.push({
          ...(req.method === undefined ? {} : { method: req.method }),
          path: req.url ?? '/',
          ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
          ...(req.headers['content-type'] === undefined ? {} : { contentType: req.headers['content-type'] }),
          body: Buffer.concat(chunks),
        })
        res.writeHead(this.refusing ? 403 : 204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

/**
 * A member of the data space run inside the test: endorsed by the anchor, admitted over libp2p,
 * and listening for DSP HTTP on 127.0.0.1. It speaks to the node under test through each binding's
 * own client and server (not the connector's wiring), so what differs between the bindings shows.
 */
export class Party {
  readonly record = new ConsumerRecord()
  /** Where the provider pushes to, when the party asks for `HttpData-PUSH`. */
  readonly inbox = new PushInbox()
  private readonly log = createSilentLogger()
  private libp2p?: AllmendeLibp2p
  private dataspace?: DataspaceService
  private store?: Store
  private server?: DspHttpServer
  private p2p?: P2pDspEndpoint
  private http?: DspHttpClient
  private dispatcher?: PeerDispatcher
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
    for (const area of ['negotiation', 'transfer'] as const) {
      await p2p.serve(area, async (message, caller) => this.record.handle(message, caller.did))
    }
    this.p2p = p2p
    await libp2p.dial(multiaddr(this.provider.multiaddr))
    await eventually(
      async () => ((await dataspace.updateStanding()).reason === undefined ? true : undefined),
      { what: 'the party to hold its membership credential', timeoutMs: 60_000 },
    )
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
    // The party's addresses, and which binding an address means, are the dispatcher's as on a node.
    const dispatcher = new PeerDispatcher(p2p, this.http, { peerId: this.key.peerId.toString() })
    this.dispatcher = dispatcher
    const server: DspHttpServer = new DspHttpServer({
      host: '127.0.0.1',
      port: 0,
      authenticator: new IdTokenAuthenticator({ did: this.key.did, baseUrl: () => server.baseUrl }),
      services: {
        addressing: dispatcher,
        catalog: async () => {
          throw new NotFoundError('the party publishes no catalog')
        },
        dataset: async () => {
          throw new NotFoundError('the party publishes no catalog')
        },
        negotiations: {
          handle: async (message, caller) => this.record.handle(message, caller) as ContractNegotiation,
          describe: async (pid) => this.record.describe('negotiation', pid) as ContractNegotiation,
        },
        transfers: {
          handle: async (message, caller) => this.record.handle(message, caller) as TransferProcess,
          describe: async (pid) => this.record.describe('transfer', pid) as TransferProcess,
        },
      },
      log: this.log,
    })
    await server.start()
    dispatcher.listenOverHttp(server)
    this.server = server
    await this.inbox.start()
  }

  /** The party as it speaks over one binding. */
  face(binding: DspBinding): PartyFace {
    const { provider, exchanges } = this
    const p2p = this.p2p!
    const http = this.http!
    const dispatcher = this.dispatcher!
    if (binding === 'libp2p') {
      return {
        binding,
        callbackAddress: dispatcher.ownAddress('libp2p')!,
        send: async (message) =>
          this.record.remember(await p2p.request(provider.did, areaOf(message), message)),
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
      callbackAddress: dispatcher.ownAddress('http')!,
      send: async (message, recipient) =>
        this.record.remember(await http.send(provider.did, provider.dspUrl, recipient, message)),
      catalog: () => http.catalog(provider.dspUrl, provider.did),
      get last() {
        return exchanges.http
      },
    }
  }

  /** Every message of `type` the node sent this party for `consumerPid` so far, refused ones too. */
  all(consumerPid: string, type: DspMessage['@type']): DspMessage[] {
    return this.record.received.filter(
      (m) => m['@type'] === type && (m as { consumerPid?: string }).consumerPid === consumerPid,
    )
  }

  /** Waits for the `count`th message of `type` the node sent this party for `consumerPid`. */
  received(consumerPid: string, type: DspMessage['@type'], count = 1): Promise<DspMessage> {
    return eventually(async () => this.all(consumerPid, type)[count - 1], {
      what: `${type} #${count} for ${consumerPid}`,
      timeoutMs: 60_000,
    })
  }

  async stop(): Promise<void> {
    await this.server?.stop()
    await this.inbox.stop()
    this.dataspace?.stop()
    await this.libp2p?.stop()
    await this.store?.close()
  }
}
