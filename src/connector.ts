import './polyfills.js'
import { rm, writeFile } from 'node:fs/promises'
import {
  ApiServer,
  agreementProofRoutes,
  auditRoutes,
  auditVerifyRoutes,
  backupRoutes,
  catalogRoutes,
  contractRoutes,
  DashboardSessions,
  dashboardRoutes,
  datasetRoutes,
  dataspaceRoutes,
  eventsRoutes,
  LiveEvents,
  metricsRoutes,
  metricsSource,
  type NodeStatusView,
  nodeRoutes,
  openapiRoutes,
  type PartyName,
  policyRoutes,
  transferRoutes,
  vcApiRoutes,
  watchNode,
} from './api/index.js'
import { AuditLog } from './audit/index.js'
import { PeerDispatcher, PullDispatcher } from './bindings/dispatcher.js'
import {
  DspHttpClient,
  DspHttpServer,
  HttpDataPuller,
  HttpDataPusher,
  HttpMembership,
  IdTokenAuthenticator,
  IdTokenIssuer,
} from './bindings/http/index.js'
import {
  AdmittedMembers,
  type AllmendeLibp2p,
  buildLibp2p,
  fetchStatusList,
  P2pCatalogNetwork,
  P2pDataPlane,
  P2pDataspaceNetwork,
  P2pDspEndpoint,
  P2pDutyEndpoint,
  PeerAdmission,
  PeerMemory,
  PeerMesh,
  type PeerSummary,
  startListening,
  wantedPeers,
} from './bindings/p2p/index.js'
import {
  auditCatalogChanges,
  Catalog,
  CatalogFederation,
  DspCatalogAnswers,
  exportOptionsOf,
  FederatedCatalogCache,
  OfferResolution,
  requesterConstraintEvaluator,
  validateOfferWithPolicyEngine,
} from './catalog/index.js'
import {
  DEFAULT_MAX_CONNECTIONS,
  dialableAddresses,
  downloadPath,
  type NodeFiles,
  openNodeStore,
  reachabilityWarnings,
} from './config/index.js'
import {
  AgreementRevocation,
  NegotiationService,
  providedFactsOf,
  providerAddressOf,
  providerDecision,
} from './contract/index.js'
import { StatusListCache, StatusListIssuer, StatusListSource } from './credentials/index.js'
import {
  DataspaceService,
  DEFAULT_MEMBERSHIP_REFRESH_SECONDS,
  descriptorBootstrap,
  descriptorPath,
  loadNodeDescriptor,
  MembershipRule,
  sameDataspacePolicy,
  TokenMembership,
} from './dataspace/index.js'
import { peerIdFromDidKey } from './identity/index.js'
import { type Clock, Lifecycle, systemClock } from './lifecycle/index.js'
import { type Logger, UnauthenticatedRefusals } from './log/index.js'
import { PolicyCache } from './policy/index.js'
import type { Store } from './store/index.js'
import {
  DutyTracker,
  endTransfersOnRevocation,
  TransferDataPlane,
  TransferManager,
} from './transfer/index.js'
import { localSourceProblem } from './transfer/sources/index.js'

export interface ConnectorInit {
  files: NodeFiles
  log: Logger
  /** The time every part of the node reads; the machine's clock unless a test sets another. */
  clock?: Clock
}

/** What `allmende status` and `GET /api/v1/identity` report. */
export interface ConnectorIdentity {
  name: string
  did: string
  peerId: string
  multiaddrs: string[]
  dataspace: string
  /** The versioned DSP HTTP base (`…/dsp/2025-1`) when the node runs the HTTP binding. */
  dsp?: string
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
  private negotiations?: NegotiationService
  private dspServer?: DspHttpServer
  private federation?: CatalogFederation
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
      () => clock().getTime(),
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
      const descriptor = await loadNodeDescriptor(directory, config)
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
      const domain = await this.startDomain(libp2p, store, statusLists)
      const stopLiveEvents = watchNode(this.events, {
        libp2p,
        audit: domain.audit,
        cache: domain.cache,
        transfers: domain.transfers,
      })
      this.lifecycle.adopt({ stop: stopLiveEvents })
      const api = new ApiServer(log.child({ name: 'allmende:api' }), {
        host: config.apiHost,
        port: config.apiPort,
        token: files.apiToken,
        sessions: this.sessions,
        routes: [
          (router) => dashboardRoutes(router, { sessions: this.sessions }),
          (router) => eventsRoutes(router, this.events),
          (router) => policyRoutes(router),
          (router) =>
            nodeRoutes(router, {
              identity: () => this.identity(),
              peers: () => this.peers(),
              status: () => this.status(),
              names: () => this.names(),
            }),
          (router) => dataspaceRoutes(router, { dataspace: () => this.dataspace, root: directory.root }),
          (router) => datasetRoutes(router, domain.catalog),
          (router) =>
            catalogRoutes(router, {
              catalog: domain.catalog,
              federation: domain.federation,
              providerNames: () => this.peerNames(),
              exportOptions: () => exportOptionsOf({ ...config, did: key.did }),
              names: { [key.did]: config.name },
            }),
          (router) =>
            contractRoutes(router, {
              negotiations: domain.negotiations,
              offers: domain.offers,
              revocation: domain.revocation,
              statusLists: domain.statusSource,
              duties: domain.duties,
            }),
          (router) =>
            agreementProofRoutes(router, {
              negotiations: domain.negotiations,
              revocation: domain.revocation,
              key,
              names: async () => ({
                ...Object.fromEntries(
                  (await domain.federation.search({})).hits.flatMap((hit) => [
                    [hit.datasetId, hit.title],
                    ...(hit.publisher === undefined ? [] : [[hit.provider, hit.publisher]]),
                  ]),
                ),
                [key.did]: config.name,
              }),
              membership: async (parties) => ({
                ...(this.dataspace === undefined ? {} : { descriptor: this.dataspace.descriptor }),
                credentials: (
                  await Promise.all(parties.map((did) => this.dataspace?.membershipCredentialsOf(did) ?? []))
                ).flat(),
              }),
            }),
          (router) => auditRoutes(router, domain.audit),
          (router) => auditVerifyRoutes(router, { store, did: key.did }),
          (router) => backupRoutes(router, store),
          (router) =>
            transferRoutes(router, domain.transfers, (requested) =>
              downloadPath(directory, config, requested),
            ),
          (router) => openapiRoutes(router),
          (router) => vcApiRoutes(router, { key, statusChecker: domain.statusCache }),
          (router) =>
            metricsRoutes(
              router,
              metricsSource({
                peers: () => this.peers(),
                negotiations: domain.negotiations,
                transfers: domain.transfers,
                audit: domain.audit,
                refusals: domain.refusals,
              }),
            ),
        ],
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
    const mesh = new PeerMesh(libp2p, this.admission, this.init.log.child({ name: 'allmende:p2p' }), {
      memory: new PeerMemory(store),
      wanted: wantedPeers(config.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
      bootstrap: () =>
        dataspace === undefined
          ? config.bootstrap
          : [...new Set([...config.bootstrap, ...descriptorBootstrap(dataspace.descriptor, key.peerId)])],
      standing: () => {
        const state = dataspace?.standing?.state
        const anchors = (dataspace?.descriptor.trustAnchor ?? []).flatMap((did) => {
          try {
            return [peerIdFromDidKey(did).toString()]
          } catch {
            return []
          }
        })
        // A revoked node asks the anchors once a refresh period; one not endorsed yet twice a minute.
        if (state === 'revoked') return { outsider: true, maxBackoffMs: refreshMs, anchors }
        if (state === 'not-endorsed') return { outsider: true, maxBackoffMs: 30_000, anchors }
        return { outsider: false, maxBackoffMs: 30_000, anchors }
      },
    })
    this.dataspaceNetwork?.useMesh(mesh)
    return mesh
  }

  identity(): ConnectorIdentity {
    const { config, key } = this.init.files
    return {
      name: config.name,
      did: key.did,
      peerId: key.peerId.toString(),
      multiaddrs: this.libp2p?.getMultiaddrs().map((ma) => ma.toString()) ?? [],
      dataspace: config.dataspace,
      ...(this.dspServer?.baseUrl === undefined ? {} : { dsp: this.dspServer.baseUrl }),
    }
  }

  /** Membership, connectivity, and warnings about what keeps peers from reaching this node. */
  async status(): Promise<NodeStatusView> {
    const { config } = this.init.files
    const dataspace = this.dataspace
    const standing = dataspace === undefined ? undefined : await dataspace.updateStanding()
    const peers = await this.peers()
    const admittedPeers = peers.filter((p) => p.admitted).length
    const warnings = reachabilityWarnings(config)
    const bootstrap = [
      ...config.bootstrap,
      ...(dataspace === undefined
        ? []
        : descriptorBootstrap(dataspace.descriptor, this.init.files.key.peerId)),
    ]
    if (bootstrap.length === 0 && peers.length === 0 && standing?.state !== 'anchor') {
      warnings.push(
        'no bootstrap address and no remembered peer: this node finds nobody; join a data space (allmende dataspace join) or add one (allmende config set bootstrap MULTIADDR)',
      )
    }
    if (standing?.reason !== undefined) warnings.push(standing.reason)
    return {
      membership:
        dataspace === undefined || standing === undefined
          ? null
          : {
              dataspace: dataspace.descriptor.id,
              title: dataspace.descriptor.title,
              ...standing,
              endorsedBy: [...standing.endorsedBy],
              revoked: [...standing.revoked],
            },
      connectivity: { admittedPeers, knownPeers: peers.length },
      warnings,
    }
  }

  /** The negotiation service (for embedding and benchmarks); throws before start. */
  get contracts(): NegotiationService {
    if (this.negotiations === undefined) throw new Error('connector is not started')
    return this.negotiations
  }

  /** The federated catalog (for embedding and benchmarks); throws before start. */
  get federatedCatalog(): CatalogFederation {
    if (this.federation === undefined) throw new Error('connector is not started')
    return this.federation
  }

  /**
   * The municipality's names by DID: this node's own, and the names admitted or remembered peers gave. One
   * call per request: a name looked up per search hit listed every peer again for each provider.
   */
  async peerNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>()
    for (const peer of await this.peers()) {
      if (peer.did !== null && peer.name !== null) names.set(peer.did, peer.name)
    }
    names.set(this.init.files.key.did, this.init.files.config.name)
    return names
  }

  /**
   * The names of parties this node knows, and where each came from: this node's own; the name an anchor wrote
   * into the party's membership credential; else the name the peer gave in its handshake (kept in peer memory).
   * Without `dids`, every party it knows: itself, its peers, the members it endorsed or met.
   */
  async names(dids?: readonly string[]): Promise<Record<string, PartyName>> {
    const { config, key } = this.init.files
    const peers = await this.peers()
    const members = (await this.dataspace?.members().catch(() => [])) ?? []
    const wanted = dids ?? [
      ...new Set([
        key.did,
        ...peers.flatMap((p) => (p.did === null ? [] : [p.did])),
        ...members.map((m) => m.did),
      ]),
    ]
    const names: Record<string, PartyName> = {}
    for (const did of wanted) {
      if (did === key.did) {
        names[did] = { name: config.name, from: 'this node' }
        continue
      }
      const vouched = await this.dataspace?.credentialNameOf(did)
      if (vouched !== undefined) {
        names[did] = { name: vouched.name, from: 'membership credential', issuer: vouched.issuer }
        continue
      }
      const given = peers.find((peer) => peer.did === did)?.name
      if (given !== undefined && given !== null) names[did] = { name: given, from: 'handshake' }
    }
    return names
  }

  /** Connected and known peers with DID, addresses and last latency. */
  async peers(): Promise<PeerSummary[]> {
    return this.mesh?.peers() ?? []
  }

  get network(): AllmendeLibp2p {
    if (this.libp2p === undefined) throw new Error('connector is not started')
    return this.libp2p
  }

  /**
   * Catalog, federation, audit and negotiation over the libp2p DSP endpoint: built after the
   * network is up, before the API that exposes them.
   */
  private async startDomain(libp2p: AllmendeLibp2p, store: Store, statusLists: StatusListIssuer) {
    const { config, key } = this.init.files
    const { log } = this.init
    const clock = this.clock
    const dataspace = this.dataspace
    const dataSpaceId = dataspace?.descriptor.id ?? config.dataspace
    const audit = new AuditLog({ store, nodeKey: key, clock })
    // What every process of the node stands on.
    const processParts = (name: string) => ({ store, audit, nodeKey: key, clock, log: log.child({ name }) })
    const refusals = this.refusals
    const catalog = new Catalog(
      { store, clock: { now: clock } },
      {
        validateOffer: validateOfferWithPolicyEngine,
        evaluateConstraint: requesterConstraintEvaluator(clock),
        sourceProblem: (source) => localSourceProblem(source),
      },
    )
    auditCatalogChanges(catalog, audit, log)
    const endpoint = new P2pDspEndpoint(libp2p, this.admission, log.child({ name: 'allmende:dsp' }))
    const network = new P2pCatalogNetwork(
      libp2p,
      endpoint,
      this.admission,
      log.child({ name: 'allmende:catalog' }),
      config.dataspace,
      async () => (await this.mesh?.known()) ?? [],
    )
    const cache = new FederatedCatalogCache(
      { store, clock: { now: clock }, catalog },
      { participantId: key.did },
    )
    const federation = new CatalogFederation({ catalog, cache, network, log, self: key.did })
    network.listen((announcement) => federation.onAnnouncement(announcement))
    await this.lifecycle.start(federation)
    this.federation = federation
    // Members show their membership at the libp2p handshake, or over DSP HTTPS in their ID token's `vp`.
    const tokenMembership = new TokenMembership(dataspace, key.did)
    const httpMembers: HttpMembership = new HttpMembership({
      ...(dataspace === undefined ? {} : { refreshSeconds: dataspace.refreshSeconds }),
      clock: () => clock().getTime(),
      check: (presentation, holder) => tokenMembership.check(presentation, holder, statusCache),
    })
    const statusSource = new StatusListSource({ did: key.did, lists: statusLists }, (listUrl) =>
      fetchStatusList(libp2p, listUrl),
    )
    // Both caches together stay within one membership refresh (HttpMembership explains the halves).
    const statusCache: StatusListCache = new StatusListCache({
      ttlMs: httpMembers.statusListTtlMs,
      fetcher: (listUrl) => statusSource.fetch(listUrl),
    })
    const members = new MembershipRule({
      overHttp: httpMembers,
      overLibp2p: new AdmittedMembers(libp2p, this.admission),
    })
    const dspClient = new DspHttpClient({
      tokens: new IdTokenIssuer({
        key,
        presentation: (audience) => tokenMembership.presentationFor(audience),
      }),
      log: log.child({ name: 'allmende:dsp-http' }),
    })
    const dispatcher = new PeerDispatcher(endpoint, dspClient, { peerId: key.peerId.toString() })
    const p2pCatalog = new DspCatalogAnswers(catalog, key.did, dispatcher, 'libp2p')
    await endpoint.serve('catalog', async (message, caller) =>
      p2pCatalog.answer(message, { did: caller.did, isMember: await members.isMember(caller.did, false) }),
    )
    const providedFacts = providedFactsOf(catalog, config.events)
    const negotiations = new NegotiationService(
      { ...processParts('allmende:contract'), messenger: dispatcher.messenger('negotiation') },
      {
        addressing: dispatcher,
        allocateStatus: () => statusLists.allocate(),
        decide: providerDecision({
          catalog,
          policies: new PolicyCache(),
          clock,
          isMember: (did, overHttp) => members.isMember(did, overHttp),
          dataSpace: dataSpaceId,
          providedFacts,
        }),
      },
    )
    await endpoint.serve('negotiation', (message, caller) => negotiations.handle(message, caller.did))
    await this.lifecycle.start(negotiations)
    this.negotiations = negotiations
    const revocation = new AgreementRevocation({ statusLists, audit, agreements: negotiations })
    const dataPlane = new P2pDataPlane(libp2p, this.admission, log.child({ name: 'allmende:data' }))
    const httpData = { log: log.child({ name: 'allmende:data-http' }) }
    // The data plane: the provider's gate (where data leaves this node), pulls and pushes.
    const transferData = new TransferDataPlane(
      {
        ...processParts('allmende:transfer'),
        puller: new PullDispatcher([dataPlane, new HttpDataPuller(httpData)]),
        pusher: new HttpDataPusher(httpData),
        agreements: negotiations,
        sourceOf: async (datasetId) => (await catalog.get(datasetId)).source,
        providedFacts,
        // A libp2p data request arrives on a connection; without one the caller pulls over HTTP.
        isMember: (did) => members.isMember(did, true),
        dataSpace: dataSpaceId,
        isRevoked: (agreement) => revocation.isRevoked(agreement),
        refusals,
      },
      { httpDataEndpoint: (transferId) => dispatcher.httpDataEndpoint(transferId) },
    )
    // The control plane: transfer processes, their messages and resumption.
    const transfers = new TransferManager(
      {
        ...processParts('allmende:transfer'),
        messenger: dispatcher.messenger('transfer'),
        dataPlane: transferData,
        agreements: negotiations,
        isRevoked: (agreement) => revocation.isRevoked(agreement),
        providerAddress: providerAddressOf(negotiations),
      },
      { addressing: dispatcher },
    )
    await endpoint.serve('transfer', (message, caller) => transfers.handle(message, caller.did))
    await dataPlane.serve(transferData)
    // Usage duties (delete after, inform, log) per completed transfer; evidence travels over libp2p.
    const dutyEndpoint = new P2pDutyEndpoint(libp2p, this.admission, log.child({ name: 'allmende:duty' }))
    const duties = new DutyTracker({
      ...processParts('allmende:duty'),
      messenger: dutyEndpoint,
      agreements: negotiations,
      transfers,
    })
    await dutyEndpoint.serve((message, caller) => duties.handle(message, caller))
    transfers.onCompleted((transfer) => {
      duties
        .onTransferCompleted(transfer)
        .catch((err: Error) => log.error({ err, transfer: transfer.id }, 'duties of a transfer not tracked'))
    })
    await this.lifecycle.start(duties)
    endTransfersOnRevocation(revocation, transfers)
    // DSP over HTTPS: the same catalog and services behind a second binding (docs/dsp-http.md).
    if (config.dspPort !== undefined) {
      const httpCatalog = new DspCatalogAnswers(catalog, key.did, dispatcher, 'http')
      const server: DspHttpServer = new DspHttpServer({
        host: config.apiHost,
        port: config.dspPort,
        ...(config.dspPublicUrl === undefined ? {} : { publicUrl: config.dspPublicUrl }),
        trustProxy: config.dspTrustProxy === true,
        authenticator: new IdTokenAuthenticator({
          did: key.did,
          baseUrl: () => server.baseUrl,
          membership: httpMembers,
        }),
        services: {
          catalog: (caller) => httpCatalog.catalogFor(caller),
          dataset: (caller, id) => httpCatalog.datasetFor(caller, id),
          negotiations,
          transfers,
        },
        data: transferData,
        log: log.child({ name: 'allmende:dsp-http' }),
        refusals,
      })
      await this.lifecycle.start(server)
      dispatcher.listenOverHttp(server)
      this.dspServer = server
    }
    // After the DSP listener: a transfer resumed with an HTTP provider names it as callbackAddress.
    await this.lifecycle.start(transfers)
    return {
      audit,
      refusals,
      cache,
      catalog,
      duties,
      federation,
      negotiations,
      offers: new OfferResolution(federation, dspClient),
      revocation,
      statusSource,
      statusCache,
      transfers,
    }
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
    this.negotiations = undefined
    this.dspServer = undefined
    this.federation = undefined
    await started.stop()
  }
}
