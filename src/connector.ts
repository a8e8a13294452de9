import './polyfills.js'
import './debug-colors.js'
import { rm, writeFile } from 'node:fs/promises'
import {
  type ConnectionChurnCounts,
  DashboardSessions,
  LiveEvents,
  managementApi,
  type NodeIdentityView,
  type NodeStatusView,
  nodeStatusOf,
  type PartyName,
  watchNode,
} from './api/index.js'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pDataspaceNetwork,
  PeerAdmission,
  PeerLocator,
  PeerMemory,
  PeerMesh,
  type PeerSummary,
  startListening,
  wantedPeers,
} from './bindings/p2p/index.js'
import type { CatalogFederation } from './catalog/index.js'
import { DEFAULT_MAX_CONNECTIONS, dialableAddresses, type NodeFiles, openNodeStore } from './config/index.js'
import type { NegotiationService } from './contract/index.js'
import { StatusListIssuer } from './credentials/index.js'
import {
  bootstrapAddresses,
  DataspaceService,
  DEFAULT_MEMBERSHIP_REFRESH_SECONDS,
  descriptorPath,
  loadNodeDescriptor,
  PartyNames,
  reachOf,
  sameDataspacePolicy,
  VerifiedDescriptors,
} from './dataspace/index.js'
import { type Clock, Lifecycle, systemClock } from './lifecycle/index.js'
import { type Logger, UnauthenticatedRefusals } from './log/index.js'
import { type NodeServices, startNodeServices } from './node-services.js'
import type { Store } from './store/index.js'

export interface ConnectorInit {
  files: NodeFiles
  log: Logger
  /** The time every part of the node reads; the machine's clock unless a test sets another. */
  clock?: Clock
}

/**
 * The composition root: builds one connector from its node directory and wires the parts.
 * No logic of its own beyond order of start and stop.
 */
export class Connector {
  /** Everything started, stopped in reverse order. */
  private lifecycle = new Lifecycle()
  private libp2p?: AllmendeLibp2p
  private mesh?: PeerMesh
  private apiUrl?: string
  private dataspace?: DataspaceService
  private dataspaceNetwork?: P2pDataspaceNetwork
  private services?: NodeServices
  private partyNames?: PartyNames
  readonly admission: PeerAdmission
  /** Requests refused before their sender was authenticated, on every interface (counted, logged rate-limited). */
  private readonly refusals: UnauthenticatedRefusals
  /** Dashboard logins (one-time codes, browser sessions); in memory, so a restart logs out. */
  readonly sessions = new DashboardSessions()
  /** Changes the dashboard follows over server-sent events. */
  readonly events = new LiveEvents()

  /** The one clock every part of the node reads. */
  private readonly clock: Clock

  constructor(private readonly init: ConnectorInit) {
    const { config } = init.files
    const clock = init.clock ?? systemClock
    this.clock = clock
    this.refusals = new UnauthenticatedRefusals(init.log.child({ name: 'allmende:refusals' }))
    this.admission = new PeerAdmission(
      init.log.child({ name: 'allmende:admission' }),
      sameDataspacePolicy(config.dataspace),
      // Handshake deadlines and cooldowns measure real waiting: the machine's clock (see Clock).
      Date.now,
      { refusals: this.refusals },
    )
    this.admission.setName(config.name)
  }

  get files(): NodeFiles {
    return this.init.files
  }

  /** Opens the store, starts libp2p and the API, and announces the API in the node directory. */
  async start(): Promise<{ apiUrl: string }> {
    const { files, log } = this.init
    const { config, key, directory } = files
    const store = await openNodeStore(directory)
    this.lifecycle.adopt({ stop: () => store.close() })
    try {
      // With a descriptor, only members of its data space are admitted; without one, same-id peers are.
      const descriptor = await loadNodeDescriptor(directory, config, new VerifiedDescriptors(store))
      const descriptorFile = descriptorPath(directory, config)
      // One status list issuer per node and store: membership and agreement credentials share its lists.
      const statusLists = await StatusListIssuer.open({ store, key, now: this.clock })
      if (descriptor !== undefined) {
        this.dataspace = new DataspaceService({
          descriptor,
          key,
          store,
          statusLists,
          log: log.child({ name: 'allmende:dataspace' }),
          ...(descriptorFile === undefined ? {} : { descriptorFile }),
          applicant: { name: config.name, addresses: dialableAddresses(config, key.peerId.toString()) },
          ...(config.membershipRefresh === undefined ? {} : { refreshSeconds: config.membershipRefresh }),
        })
        this.admission.setPolicy(this.dataspace.policy)
      }
      const maxConnections = config.maxConnections ?? DEFAULT_MAX_CONNECTIONS
      const libp2p = await buildLibp2p({
        privateKey: key.privateKey,
        dataspace: config.dataspace,
        listen: config.listen,
        announce: config.announce,
        mdns: config.mdns,
        admission: this.admission,
        maxConnections,
        anchor: this.dataspace?.policy.isAnchor === true,
      })
      this.libp2p = libp2p
      await this.admission.start(libp2p)
      const dataspace = this.dataspace
      if (dataspace !== undefined) {
        const dataspaceLog = log.child({ name: 'allmende:dataspace' })
        const network = new P2pDataspaceNetwork(libp2p, this.admission, dataspace.descriptor.id, dataspaceLog)
        this.dataspaceNetwork = network
        await this.lifecycle.start({ start: () => dataspace.start(network), stop: () => dataspace.stop() })
      }
      this.lifecycle.adopt(libp2p)
      await startListening(libp2p, config.listen)
      this.mesh = this.startMesh(libp2p, store)
      await this.lifecycle.start(this.mesh)
      const locator = new PeerLocator(libp2p, this.admission, this.mesh, log.child({ name: 'allmende:p2p' }))
      await locator.serve()
      this.admission.locateWith(locator)
      const domain = await startNodeServices({
        files,
        log,
        clock: this.clock,
        store,
        statusLists,
        libp2p,
        admission: this.admission,
        mesh: this.mesh,
        ...(dataspace === undefined ? {} : { dataspace }),
        refusals: this.refusals,
        lifecycle: this.lifecycle,
      })
      this.services = domain
      const stopLiveEvents = watchNode(this.events, {
        libp2p,
        audit: domain.audit,
        cache: domain.cache,
        transfers: domain.transfers,
      })
      this.lifecycle.adopt({ stop: stopLiveEvents })
      this.partyNames = new PartyNames({ did: key.did, name: config.name }, this.dataspace, () =>
        this.peers(),
      )
      const api = managementApi(log.child({ name: 'allmende:api' }), {
        ...domain,
        files,
        store,
        clock: this.clock,
        sessions: this.sessions,
        events: this.events,
        node: this,
        ...(this.dataspace === undefined ? {} : { dataspace: this.dataspace }),
        names: this.partyNames,
        refusals: this.refusals,
      })
      this.lifecycle.adopt(api)
      this.apiUrl = await api.start()
      this.lifecycle.adopt({ stop: () => rm(directory.runtimeFile, { force: true }) })
      await writeFile(directory.runtimeFile, `${JSON.stringify({ url: this.apiUrl, pid: process.pid })}\n`)
      log.info(
        { did: key.did, peerId: key.peerId.toString(), addrs: this.identity().multiaddrs },
        'node started',
      )
      return { apiUrl: this.apiUrl }
    } catch (error) {
      await this.stop()
      throw error
    }
  }

  /**
   * The mesh that keeps the node in touch: bootstrap addresses from config and the current descriptor, the
   * peers remembered from earlier runs, and (without membership) only the anchors, rarely.
   */
  private startMesh(libp2p: AllmendeLibp2p, store: Store): PeerMesh {
    const { config, key } = this.init.files
    const dataspace = this.dataspace
    const refreshMs = (config.membershipRefresh ?? DEFAULT_MEMBERSHIP_REFRESH_SECONDS) * 1000
    const maxConnections = config.maxConnections ?? DEFAULT_MAX_CONNECTIONS
    const mesh = new PeerMesh(libp2p, this.admission, this.init.log.child({ name: 'allmende:p2p' }), {
      memory: new PeerMemory(store),
      wanted: wantedPeers(maxConnections),
      maxConnections,
      bootstrap: () => bootstrapAddresses(config.bootstrap, dataspace, key.peerId),
      standing: () => reachOf(dataspace, refreshMs),
    })
    this.dataspaceNetwork?.useMesh(mesh)
    return mesh
  }

  /** Admissions and connections closed over the limit since the node started (`GET /metrics`). */
  connectionChurn(): ConnectionChurnCounts {
    return { admissions: this.admission.admissions(), trimmed: this.mesh?.trimmed() ?? 0 }
  }

  /** Who this node is and where it listens (`GET /api/v1/identity`). */
  identity(): NodeIdentityView {
    const { config, key } = this.init.files
    const dsp = this.services?.addressing.ownAddress('http')
    return {
      name: config.name,
      did: key.did,
      peerId: key.peerId.toString(),
      multiaddrs: this.libp2p?.getMultiaddrs().map((ma) => ma.toString()) ?? [],
      dataspace: config.dataspace,
      ...(dsp === undefined ? {} : { dsp }),
    }
  }

  /** Membership, connectivity, and warnings about what keeps peers from reaching this node. */
  async status(): Promise<NodeStatusView> {
    const { config, key } = this.init.files
    return nodeStatusOf({
      config,
      ...(this.dataspace === undefined ? {} : { dataspace: this.dataspace }),
      peers: await this.peers(),
      bootstrap: bootstrapAddresses(config.bootstrap, this.dataspace, key.peerId),
    })
  }

  /** The negotiation service (for embedding and benchmarks); throws before start. */
  get contracts(): NegotiationService {
    if (this.services === undefined) throw new Error('connector is not started')
    return this.services.negotiations
  }

  /** The federated catalog (for embedding and benchmarks); throws before start. */
  get federatedCatalog(): CatalogFederation {
    if (this.services === undefined) throw new Error('connector is not started')
    return this.services.federation
  }

  /** The names of the parties this node knows (all of them without `dids`), and where each came from. */
  async names(dids?: readonly string[]): Promise<Record<string, PartyName>> {
    return (await this.partyNames?.of(dids)) ?? {}
  }

  /** Connected and known peers with DID, addresses and last latency. */
  async peers(): Promise<PeerSummary[]> {
    return this.mesh?.peers() ?? []
  }

  get network(): AllmendeLibp2p {
    if (this.libp2p === undefined) throw new Error('connector is not started')
    return this.libp2p
  }

  /** A fresh one-time link that logs a browser into this node's dashboard. */
  dashboardLoginUrl(): string {
    if (this.apiUrl === undefined) throw new Error('connector is not started')
    return `${this.apiUrl}/login?code=${this.sessions.issueLoginCode()}`
  }

  /** Stops in reverse order of starting; safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    const started = this.lifecycle
    this.lifecycle = new Lifecycle()
    this.libp2p = undefined
    this.mesh = undefined
    this.apiUrl = undefined
    this.dataspace = undefined
    this.dataspaceNetwork = undefined
    this.services = undefined
    this.partyNames = undefined
    await started.stop()
  }
}
