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
  DataWorkers,
  DspHttpClient,
  DspHttpServer,
  HttpDataPuller,
  HttpDataPusher,
  HttpMembership,
  IdTokenAuthenticator,
  IdTokenIssuer,
  resolveHttpOffer,
} from './bindings/http/index.js'
import {
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
  wantedPeers,
} from './bindings/p2p/index.js'
import {
  buildDspCatalog,
  buildDspDataset,
  Catalog,
  CatalogFederation,
  DatasetNotFoundError,
  exportOptionsOf,
  FederatedCatalogCache,
  requesterConstraintEvaluator,
  validateOfferWithPolicyEngine,
} from './catalog/index.js'
import {
  ConfigError,
  DEFAULT_MAX_CONNECTIONS,
  dialableAddresses,
  downloadPath,
  type NodeFiles,
  reachabilityWarnings,
} from './config/index.js'
import {
  type AgreementRecord,
  AgreementRevocation,
  NegotiationService,
  type ProviderFacts,
  providerDecision,
} from './contract/index.js'
import {
  type JsonLdObject,
  parseStatusListUrl,
  StatusListCache,
  StatusListIssuer,
} from './credentials/index.js'
import {
  checkMembership,
  DataspaceService,
  DEFAULT_MEMBERSHIP_REFRESH_SECONDS,
  descriptorBootstrap,
  descriptorPath,
  loadNodeDescriptor,
  sameDataspacePolicy,
} from './dataspace/index.js'
import { peerIdFromDidKey } from './identity/index.js'
import { type Clock, Lifecycle, systemClock } from './lifecycle/index.js'
import { type Logger, UnauthenticatedRefusals } from './log/index.js'
import { PolicyCache } from './policy/index.js'
import { Store, StoreCorruptionError } from './store/index.js'
import { DutyTracker, TransferDataPlane, TransferManager, terminateTransfersUnder } from './transfer/index.js'
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
  /** Worker processes serving HttpData-PULL, when configured (`dataWorkers`). */
  private dataWorkers?: DataWorkers
  private federation?: CatalogFederation
  readonly admission: PeerAdmission
  /** Requests refused before their sender was authenticated, on every interface (counted, logged rate-limited). */
  private readonly refusals: UnauthenticatedRefusals
  /** Dashboard logins (one-time codes, browser sessions); in memory, so a restart logs out. */
  readonly sessions = new DashboardSessions()
  /** Changes the dashboard follows over server-sent events. */
  readonly events = new LiveEvents()

  constructor(private readonly init: ConnectorInit) {
    const { config } = init.files
    this.refusals = new UnauthenticatedRefusals(init.log.child({ name: 'allmende:refusals' }))
    this.admission = new PeerAdmission(
      init.log.child({ name: 'allmende:admission' }),
      sameDataspacePolicy(config.dataspace),
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
    const store = await openStoreOrExplain(directory.dbDir, directory.root)
    this.lifecycle.adopt({ stop: () => store.close() })
    try {
      // With a descriptor, only members of its data space are admitted; without one, same-id peers are.
      const descriptor = await loadNodeDescriptor(directory, config)
      const descriptorFile = descriptorPath(directory, config)
      // One status list issuer per node and store: membership and agreement credentials share its lists.
      const statusLists = await StatusListIssuer.open({ store, key })
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
      try {
        await libp2p.start()
      } catch (cause) {
        throw new ConfigError(`cannot listen on ${config.listen.join(', ')}: ${listenFailure(cause)}`, {
          cause,
        })
      }
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
              resolveOffer: domain.resolveOffer,
              resolveHttpOffer: domain.resolveHttpOffer,
              revocation: domain.revocation,
              statusList: domain.statusListOf,
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
      maxConnections: config.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
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
    const log = this.init.log
    const clock = this.init.clock ?? systemClock
    const audit = new AuditLog({ store, nodeKey: key, clock })
    const refusals = this.refusals
    const catalog = new Catalog(
      { store, clock: { now: clock } },
      {
        validateOffer: validateOfferWithPolicyEngine,
        evaluateConstraint: requesterConstraintEvaluator(clock),
        sourceProblem: (source) => localSourceProblem(source),
      },
    )
    catalog.onChange((change) => {
      void audit
        .record({
          type: change.removed ? 'catalog.removed' : 'catalog.published',
          subject: change.datasetId,
          data: change,
        })
        .catch((err: Error) => log.error({ err }, 'catalog audit entry not written'))
    })
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
    await endpoint.serve('catalog', async (message, caller) => {
      const requester = { did: caller.did, isMember: await this.admission.isAdmitted(caller.peerId) }
      const options = { participantId: key.did, endpointURL: `/p2p/${key.peerId.toString()}` }
      // One dataset for an announced change, the whole catalog otherwise.
      if (message['@type'] === 'DatasetRequestMessage') {
        const dataset = buildDspDataset(await catalog.datasetFor(requester, message.dataset), options)
        if (dataset === undefined) throw new DatasetNotFoundError(message.dataset)
        return dataset
      }
      return buildDspCatalog(await catalog.catalogFor(requester), options)
    })
    // DSP over HTTPS: members show their membership in the ID token's `vp` (challenge = our DID).
    const dataspace = this.dataspace
    const httpMembers: HttpMembership = new HttpMembership({
      ...(dataspace === undefined ? {} : { refreshSeconds: dataspace.refreshSeconds }),
      check: async (presentation, holder) =>
        dataspace === undefined
          ? { member: false, reason: 'this node belongs to no data space with a descriptor' }
          : checkMembership(presentation, {
              descriptor: dataspace.descriptor,
              holder,
              challenge: key.did,
              statusChecker: statusCache,
              vetoes: (member, credentials) => dataspace.vetoesOf(member, credentials),
            }),
    })
    // Both caches together stay within one membership refresh (HttpMembership explains the halves).
    const statusCache: StatusListCache = new StatusListCache({
      ttlMs: httpMembers.statusListTtlMs,
      fetcher: async (listUrl) => {
        const { issuerDid, listId } = parseStatusListUrl(listUrl)
        // An anchor checks its own members against its own list; it cannot dial itself.
        if (issuerDid === key.did && dataspace !== undefined) return dataspace.statusListCredential(listId)
        return fetchStatusList(libp2p, listUrl)
      },
    })
    // A member showed its membership in an ID token (HTTP) or at the libp2p handshake. An HTTP
    // caller may never connect over libp2p: do not wait for its handshake.
    const isMember = async (did: string, overHttp = false) => {
      if (httpMembers.isMember(did)) return true
      if (!did.startsWith('did:key:')) return false
      const peer = peerIdFromDidKey(did)
      if (overHttp && libp2p.getConnections(peer).length === 0) return false
      return this.admission.isAdmitted(peer)
    }
    const dspClient = new DspHttpClient({
      tokens: new IdTokenIssuer({
        key,
        ...(dataspace === undefined
          ? {}
          : {
              // Only a holder of a membership credential (or an anchor) has something to show.
              presentation: async (audience) =>
                dataspace.policy.isAnchor || (await dataspace.wallet.list()).length > 0
                  ? ((await dataspace.policy.proofFor(audience)) as JsonLdObject)
                  : undefined,
            }),
      }),
      log: log.child({ name: 'allmende:dsp-http' }),
    })
    const policies = new PolicyCache()
    // What this provider states of its data and the moment, for each negotiation and each use alike.
    const providedFacts = async (datasetId: string): Promise<ProviderFacts> => {
      const { artifactState } = await catalog.get(datasetId)
      return {
        ...(config.events === undefined ? {} : { events: config.events }),
        ...(artifactState === undefined ? {} : { artifactState }),
      }
    }
    const dispatcher = new PeerDispatcher(endpoint, dspClient, {
      peerId: key.peerId.toString(),
      dspBaseUrl: () => this.dspServer?.baseUrl,
    })
    const negotiations = new NegotiationService(
      {
        store,
        audit,
        nodeKey: key,
        clock,
        log: log.child({ name: 'allmende:contract' }),
        messenger: dispatcher.messenger('negotiation'),
      },
      {
        addressing: dispatcher,
        allocateStatus: () => statusLists.allocate(),
        decide: providerDecision({
          catalog,
          policies,
          clock,
          isMember,
          dataSpace: dataspace?.descriptor.id ?? config.dataspace,
          providedFacts,
        }),
      },
    )
    await endpoint.serve('negotiation', (message, caller) => negotiations.handle(message, caller.did))
    await this.lifecycle.start(negotiations)
    this.negotiations = negotiations
    const revocation = new AgreementRevocation({ statusLists, audit, agreements: negotiations })
    /** The list an agreement's revocation is read from now: our own, or its provider's over libp2p. */
    const statusListOf = async (agreement: AgreementRecord): Promise<JsonLdObject | undefined> => {
      const entry = agreement.credential.credentialStatus as { statusListCredential?: unknown } | undefined
      if (typeof entry?.statusListCredential !== 'string') return undefined
      const { issuerDid, listId } = parseStatusListUrl(entry.statusListCredential)
      if (issuerDid === key.did) return statusLists.getStatusListCredential(listId)
      return fetchStatusList(libp2p, entry.statusListCredential)
    }
    const dataPlane = new P2pDataPlane(libp2p, this.admission, log.child({ name: 'allmende:data' }))
    const httpPuller = new HttpDataPuller({ log: log.child({ name: 'allmende:data-http' }) })
    const httpPusher = new HttpDataPusher({ log: log.child({ name: 'allmende:data-http' }) })
    // The data plane: the provider's gate (where data leaves this node), pulls and pushes.
    const transferData = new TransferDataPlane(
      {
        store,
        audit,
        nodeKey: key,
        clock,
        log: log.child({ name: 'allmende:transfer' }),
        puller: new PullDispatcher([dataPlane, httpPuller]),
        pusher: httpPusher,
        agreements: negotiations,
        sourceOf: async (datasetId) => (await catalog.get(datasetId)).source,
        providedFacts,
        // A libp2p data request arrives on a connection; without one the caller pulls over HTTP.
        isMember: (did) => isMember(did, true),
        dataSpace: dataspace?.descriptor.id ?? config.dataspace,
        isRevoked: (agreement) => revocation.isRevoked(agreement),
        refusals,
      },
      {
        httpDataEndpoint: (transferId) =>
          this.dataWorkers?.dataEndpoint(transferId) ?? this.dspServer?.dataEndpoint(transferId),
      },
    )
    // The control plane: transfer processes, their messages and resumption.
    const transfers = new TransferManager(
      {
        store,
        audit,
        nodeKey: key,
        clock,
        log: log.child({ name: 'allmende:transfer' }),
        messenger: dispatcher.messenger('transfer'),
        dataPlane: transferData,
        agreements: negotiations,
        isRevoked: (agreement) => revocation.isRevoked(agreement),
        // An agreement negotiated over DSP HTTP keeps the provider's base on its negotiation.
        providerAddress: async (agreement) =>
          (await negotiations.get(agreement.negotiationId))?.callbackAddress,
      },
      { addressing: dispatcher },
    )
    await endpoint.serve('transfer', (message, caller) => transfers.handle(message, caller.did))
    await dataPlane.serve(transferData)
    // Usage duties (delete after, inform, log) per completed transfer; evidence travels over libp2p.
    const dutyEndpoint = new P2pDutyEndpoint(libp2p, this.admission, log.child({ name: 'allmende:duty' }))
    const duties = new DutyTracker({
      store,
      audit,
      nodeKey: key,
      clock,
      log: log.child({ name: 'allmende:duty' }),
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
    revocation.onRevoked((agreement, reason) => terminateTransfersUnder(transfers, agreement.id, reason))
    // DSP over HTTPS: the same catalog and NegotiationService behind a second binding (docs/dsp-http.md).
    if (config.dspPort !== undefined) {
      // Data-plane workers serve HttpData-PULL in their own processes; the node itself then serves none.
      const workers =
        (config.dataWorkers ?? 0) === 0
          ? undefined
          : new DataWorkers({
              count: config.dataWorkers!,
              host: config.apiHost,
              port: config.dataPort ?? 0,
              ...(config.dataPublicUrl === undefined ? {} : { publicUrl: config.dataPublicUrl }),
              provider: key.did,
              gate: transferData.gate,
              log: log.child({ name: 'allmende:data-workers' }),
              refusals,
            })
      if (workers !== undefined) {
        await this.lifecycle.start(workers)
        this.dataWorkers = workers
      }
      const dspOptions = () => ({ participantId: key.did, endpointURL: this.dspServer?.baseUrl ?? '' })
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
          catalog: async (caller) => buildDspCatalog(await catalog.catalogFor(caller), dspOptions()),
          dataset: async (caller, id) => {
            const dataset = buildDspDataset(await catalog.datasetFor(caller, id), dspOptions())
            if (dataset === undefined) throw new DatasetNotFoundError(id)
            return dataset
          },
          negotiations,
          transfers,
        },
        ...(workers === undefined ? { data: transferData } : {}),
        log: log.child({ name: 'allmende:dsp-http' }),
        refusals,
      })
      await this.lifecycle.start(server)
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
      resolveOffer: (provider: string, dataset: string, offerId?: string) =>
        federation.offerOf(provider, dataset, offerId),
      resolveHttpOffer: (providerUrl: string, dataset: string, offerId?: string) =>
        resolveHttpOffer(dspClient, providerUrl, dataset, offerId),
      revocation,
      statusListOf,
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
    this.dataWorkers = undefined
    this.federation = undefined
    await started.stop()
  }
}

/** libp2p's listen error in one sentence: its message carries every address's stack trace. */
function listenFailure(cause: unknown): string {
  const text = (cause as Error).message ?? String(cause)
  if (text.includes('EADDRINUSE')) {
    return 'the port is in use (another node or program listens there); choose another --listen port'
  }
  if (text.includes('EADDRNOTAVAIL')) return 'this machine has no such address'
  if (text.includes('EACCES')) return 'no permission for this port (ports below 1024 need privileges)'
  const reason = /Error: ([^\n]+)/.exec(text)?.[1]
  return reason ?? text.split('\n')[0]!
}

async function openStoreOrExplain(dbDir: string, root: string): Promise<Store> {
  try {
    return await Store.open(dbDir)
  } catch (cause) {
    if (cause instanceof StoreCorruptionError) throw cause
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    throw new ConfigError(
      locked
        ? `the node in ${root} is already running (its database is locked)`
        : `cannot open database ${dbDir}: ${(cause as Error).message}`,
      { cause },
    )
  }
}
