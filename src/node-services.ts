import type { ManagementApiParts } from './api/index.js'
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
  fetchStatusList,
  P2pCatalogNetwork,
  P2pDataPlane,
  P2pDspEndpoint,
  P2pDutyEndpoint,
  type PeerAdmission,
  type PeerMesh,
} from './bindings/p2p/index.js'
import {
  auditCatalogChanges,
  Catalog,
  CatalogFederation,
  DspCatalogAnswers,
  FederatedCatalogCache,
  OfferResolution,
  requesterConstraintEvaluator,
  validateOfferWithPolicyEngine,
} from './catalog/index.js'
import type { NodeFiles } from './config/index.js'
import {
  AgreementRevocation,
  NegotiationService,
  providedFactsOf,
  providerAddressOf,
  providerDecision,
} from './contract/index.js'
import { StatusListCache, type StatusListIssuer, StatusListSource } from './credentials/index.js'
import { type DataspaceService, MembershipRule, TokenMembership } from './dataspace/index.js'
import type { Clock, Lifecycle } from './lifecycle/index.js'
import type { Logger, UnauthenticatedRefusals } from './log/index.js'
import { PolicyCache } from './policy/index.js'
import type { Store } from './store/index.js'
import {
  DutyTracker,
  endTransfersOnRevocation,
  TransferDataPlane,
  TransferManager,
} from './transfer/index.js'
import { localSourceProblem } from './transfer/sources/index.js'

/** What the domain services of a node are built on: its files, store and clock, and its running network. */
export interface NodeServicesParts {
  readonly files: NodeFiles
  readonly log: Logger
  readonly clock: Clock
  readonly store: Store
  /** One issuer per node and store: membership and agreement credentials share its lists. */
  readonly statusLists: StatusListIssuer
  readonly libp2p: AllmendeLibp2p
  readonly admission: PeerAdmission
  readonly mesh: Pick<PeerMesh, 'known'>
  readonly dataspace?: DataspaceService
  readonly refusals: UnauthenticatedRefusals
  /** Where every service with a lifecycle is started, to be stopped in reverse order. */
  readonly lifecycle: Lifecycle
}

/** The started domain services: what the management API shows, the dispatcher, and the cache the dashboard follows. */
export interface NodeServices
  extends Omit<
    ManagementApiParts,
    'files' | 'store' | 'clock' | 'sessions' | 'events' | 'node' | 'dataspace' | 'names' | 'refusals'
  > {
  /** The one place that knows this node's addresses and picks the binding of a peer. */
  readonly addressing: PeerDispatcher
  readonly cache: FederatedCatalogCache
}

/**
 * Wires and starts the domain services of a node over both bindings: catalog and federation,
 * membership, negotiations, transfers in two planes, usage duties, and, when configured, the DSP
 * HTTPS listener. Built after the network is up, before the API that exposes them; every rule
 * lives in the services' own folders.
 */
export async function startNodeServices(parts: NodeServicesParts): Promise<NodeServices> {
  const { files, log, clock, store, statusLists, libp2p, admission, mesh, dataspace, refusals, lifecycle } =
    parts
  const { config, key } = files
  const dataSpaceId = dataspace?.descriptor.id ?? config.dataspace
  const audit = new AuditLog({ store, nodeKey: key, clock })
  // What every process of the node stands on.
  const processParts = (name: string) => ({ store, audit, nodeKey: key, clock, log: log.child({ name }) })
  const catalog = new Catalog(
    { store, clock: { now: clock } },
    {
      validateOffer: validateOfferWithPolicyEngine,
      evaluateConstraint: requesterConstraintEvaluator(clock),
      sourceProblem: (source) => localSourceProblem(source),
    },
  )
  auditCatalogChanges(catalog, audit, log)
  const endpoint = new P2pDspEndpoint(libp2p, admission, log.child({ name: 'allmende:dsp' }))
  const network = new P2pCatalogNetwork(
    libp2p,
    endpoint,
    admission,
    log.child({ name: 'allmende:catalog' }),
    config.dataspace,
    () => mesh.known(),
  )
  const cache = new FederatedCatalogCache(
    { store, clock: { now: clock }, catalog },
    { participantId: key.did },
  )
  const federation = new CatalogFederation({ catalog, cache, network, log, self: key.did })
  network.listen((announcement) => federation.onAnnouncement(announcement))
  await lifecycle.start(federation)
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
    overLibp2p: new AdmittedMembers(libp2p, admission),
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
  await lifecycle.start(negotiations)
  const revocation = new AgreementRevocation({ statusLists, audit, agreements: negotiations })
  const dataPlane = new P2pDataPlane(libp2p, admission, log.child({ name: 'allmende:data' }))
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
  const dutyEndpoint = new P2pDutyEndpoint(libp2p, admission, log.child({ name: 'allmende:duty' }))
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
  await lifecycle.start(duties)
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
    await lifecycle.start(server)
    dispatcher.listenOverHttp(server)
  }
  // After the DSP listener: a transfer resumed with an HTTP provider names it as callbackAddress.
  await lifecycle.start(transfers)
  return {
    addressing: dispatcher,
    audit,
    cache,
    catalog,
    duties,
    federation,
    negotiations,
    offers: new OfferResolution(federation, dspClient),
    revocation,
    statusLists: statusSource,
    statusChecker: statusCache,
    transfers,
  }
}
