import type { ManagementApiParts } from './api/index.js'
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
} from './bindings/http/index.js'
import {
  AdmittedMembers,
  type AllmendeLibp2p,
  fetchStatusList,
  MemberDirectory,
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
  type Requester,
  requesterConstraintEvaluator,
  validateOfferWithPolicyEngine,
} from './catalog/index.js'
import type { NodeFiles } from './config/index.js'
import {
  AgreementRevocation,
  NegotiationService,
  type ProviderFacts,
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
  readonly mesh: Pick<PeerMesh, 'known' | 'target' | 'addressesOf' | 'anchors'>
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
  const { files, log, libp2p, admission, lifecycle } = parts
  const { config, key } = files
  const audit = new AuditLog({ store: parts.store, nodeKey: key, clock: parts.clock })
  const endpoint = new P2pDspEndpoint(libp2p, admission, log.child({ name: 'allmende:dsp' }))
  const membership = membershipOf(parts)
  const dspClient = new DspHttpClient({
    tokens: new IdTokenIssuer({
      key,
      presentation: (audience) => membership.tokens.presentationFor(audience),
    }),
    log: log.child({ name: 'allmende:dsp-http' }),
  })
  const dispatcher = new PeerDispatcher(endpoint, dspClient, { peerId: key.peerId.toString() })
  const { catalog, cache, federation, p2pCatalog } = await startCatalog(parts, audit, endpoint, dispatcher)
  await endpoint.serve('catalog', async (message, caller) =>
    p2pCatalog.answer(message, {
      did: caller.did,
      isMember: await membership.members.isMember(caller.did, false),
    }),
  )
  const wired: Wired = {
    ...parts,
    audit,
    catalog,
    members: membership.members,
    dispatcher,
    endpoint,
    providedFacts: providedFactsOf(catalog, config.events),
    dataSpace: parts.dataspace?.descriptor.id ?? config.dataspace,
  }
  const { negotiations, revocation } = await startContracts(wired)
  const { transferData, transfers, duties } = await startTransfers(wired, negotiations, revocation)
  // DSP over HTTPS: the same catalog and services behind a second binding (docs/dsp-http.md).
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
            refusals: parts.refusals,
          })
    if (workers !== undefined) await lifecycle.start(workers)
    const server: DspHttpServer = new DspHttpServer({
      host: config.apiHost,
      port: config.dspPort,
      ...(config.dspPublicUrl === undefined ? {} : { publicUrl: config.dspPublicUrl }),
      trustProxy: config.dspTrustProxy === true,
      authenticator: new IdTokenAuthenticator({
        did: key.did,
        baseUrl: () => server.baseUrl,
        membership: membership.overHttp,
      }),
      services: { ...dspCatalogOverHttp(wired), addressing: dispatcher, negotiations, transfers },
      ...(workers === undefined ? { data: transferData } : {}),
      log: log.child({ name: 'allmende:dsp-http' }),
      refusals: parts.refusals,
    })
    await lifecycle.start(server)
    dispatcher.listenOverHttp(
      workers === undefined
        ? server
        : {
            get baseUrl() {
              return server.baseUrl
            },
            dataEndpoint: (transferId) => workers.dataEndpoint(transferId),
          },
    )
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
    statusLists: membership.statusLists,
    statusChecker: membership.statusChecker,
    transfers,
  }
}

/** The parts every service after the catalog is built from. */
interface Wired extends NodeServicesParts {
  readonly audit: AuditLog
  readonly catalog: Catalog
  readonly members: MembershipRule
  readonly dispatcher: PeerDispatcher
  readonly endpoint: P2pDspEndpoint
  readonly providedFacts: (datasetId: string) => Promise<ProviderFacts>
  /** The data space whose members this node admits (`dataSpaceMembership eq <id>`). */
  readonly dataSpace: string
}

/** What every process of the node stands on: the store, the audit log, the key, the clock, a log of its own. */
function processParts(wired: Wired, name: string) {
  const { store, audit, files, clock, log } = wired
  return { store, audit, nodeKey: files.key, clock, log: log.child({ name }) }
}

/** This node's catalog with its audit entries, and the federated catalog of the others over libp2p. */
async function startCatalog(
  parts: NodeServicesParts,
  audit: AuditLog,
  endpoint: P2pDspEndpoint,
  dispatcher: PeerDispatcher,
) {
  const { files, store, clock, log, libp2p, admission, mesh, lifecycle } = parts
  const catalog = new Catalog(
    { store, clock: { now: clock } },
    {
      validateOffer: validateOfferWithPolicyEngine,
      evaluateConstraint: requesterConstraintEvaluator(clock),
      sourceProblem: (source) => localSourceProblem(source),
    },
  )
  auditCatalogChanges(catalog, audit, log)
  // The members a newcomer asks its peers for, and the providers a refreshed search asks.
  const members = new MemberDirectory(libp2p, admission, mesh, log.child({ name: 'allmende:p2p' }), {
    endorsed: async () => (await parts.dataspace?.registry?.activeMembers()) ?? [],
  })
  await lifecycle.start(members)
  const network = new P2pCatalogNetwork(
    libp2p,
    endpoint,
    admission,
    log.child({ name: 'allmende:catalog' }),
    files.config.dataspace,
    members,
  )
  const cache = new FederatedCatalogCache(
    { store, clock: { now: clock }, catalog },
    { participantId: files.key.did },
  )
  // What a peer asks over libp2p; a change's announcement carries the dataset when every member sees it alike.
  const p2pCatalog = new DspCatalogAnswers(catalog, files.key.did, dispatcher, 'libp2p')
  const federation = new CatalogFederation({
    catalog,
    cache,
    network,
    log,
    self: files.key.did,
    sharedDataset: (id) => p2pCatalog.sharedDataset(id),
  })
  network.listen({
    announcement: (announcement) => federation.onAnnouncement(announcement),
    summary: (summary) => federation.onSummary(summary),
    metPeer: () => federation.metPeer(),
  })
  await lifecycle.start(federation)
  return { catalog, cache, federation, p2pCatalog }
}

/**
 * Membership as this node sees it: shown at the libp2p handshake or in a DSP HTTP ID token's `vp`,
 * and the status lists its checks read.
 */
function membershipOf(parts: NodeServicesParts) {
  const { files, libp2p, admission, dataspace, statusLists } = parts
  const tokens = new TokenMembership(dataspace, files.key.did)
  const overHttp: HttpMembership = new HttpMembership({
    ...(dataspace === undefined ? {} : { refreshSeconds: dataspace.refreshSeconds }),
    check: (presentation, holder) => tokens.check(presentation, holder, statusChecker),
  })
  const source = new StatusListSource({ did: files.key.did, lists: statusLists }, (listUrl) =>
    fetchStatusList(libp2p, listUrl),
  )
  // Both caches together stay within one membership refresh (HttpMembership explains the halves).
  const statusChecker: StatusListCache = new StatusListCache({
    ttlMs: overHttp.statusListTtlMs,
    fetcher: (listUrl) => source.fetch(listUrl),
  })
  const members = new MembershipRule({ overHttp, overLibp2p: new AdmittedMembers(libp2p, admission) })
  return { tokens, overHttp, members, statusLists: source, statusChecker }
}

/** Negotiations in both roles over the dispatcher, decided by the provider's rule, and revocation of agreements. */
async function startContracts(wired: Wired) {
  const { catalog, clock, members, dispatcher, endpoint, statusLists, audit, lifecycle } = wired
  const negotiations = new NegotiationService(
    { ...processParts(wired, 'allmende:contract'), messenger: dispatcher.messenger('negotiation') },
    {
      addressing: dispatcher,
      allocateStatus: () => statusLists.allocate(),
      decide: providerDecision({
        catalog,
        policies: new PolicyCache(),
        clock,
        isMember: (did, overHttp) => members.isMember(did, overHttp),
        dataSpace: wired.dataSpace,
        providedFacts: wired.providedFacts,
      }),
    },
  )
  await endpoint.serve('negotiation', (message, caller) => negotiations.handle(message, caller.did))
  await lifecycle.start(negotiations)
  const revocation = new AgreementRevocation({ statusLists, audit, agreements: negotiations })
  return { negotiations, revocation }
}

/** Transfers in two planes (the provider's gate, pulls and pushes; the process manager) and their usage duties. */
async function startTransfers(
  wired: Wired,
  negotiations: NegotiationService,
  revocation: AgreementRevocation,
) {
  const { libp2p, admission, log, catalog, members, dispatcher, endpoint, lifecycle } = wired
  const dataPlane = new P2pDataPlane(libp2p, admission, log.child({ name: 'allmende:data' }))
  const httpData = { log: log.child({ name: 'allmende:data-http' }) }
  // The data plane: the provider's gate (where data leaves this node), pulls and pushes.
  const transferData = new TransferDataPlane(
    {
      ...processParts(wired, 'allmende:transfer'),
      puller: new PullDispatcher([dataPlane, new HttpDataPuller(httpData)]),
      pusher: new HttpDataPusher(httpData),
      agreements: negotiations,
      sourceOf: async (datasetId) => (await catalog.get(datasetId)).source,
      providedFacts: wired.providedFacts,
      // A libp2p data request arrives on a connection; without one the caller pulls over HTTP.
      isMember: (did) => members.isMember(did, true),
      dataSpace: wired.dataSpace,
      isRevoked: (agreement) => revocation.isRevoked(agreement),
      refusals: wired.refusals,
    },
    { httpDataEndpoint: (transferId) => dispatcher.httpDataEndpoint(transferId) },
  )
  // The control plane: transfer processes, their messages and resumption (started last, see above).
  const transfers = new TransferManager(
    {
      ...processParts(wired, 'allmende:transfer'),
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
  endTransfersOnRevocation(revocation, transfers)
  // Usage duties (delete after, inform, log) per completed transfer; evidence travels over libp2p.
  const dutyEndpoint = new P2pDutyEndpoint(libp2p, admission, log.child({ name: 'allmende:duty' }))
  const duties = new DutyTracker({
    ...processParts(wired, 'allmende:duty'),
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
  return { transferData, transfers, duties }
}

/** The DSP catalog of this node over HTTPS, as the HTTP binding's routes ask it. */
function dspCatalogOverHttp(wired: Wired) {
  const answers = new DspCatalogAnswers(wired.catalog, wired.files.key.did, wired.dispatcher, 'http')
  return {
    catalog: (caller: Requester) => answers.catalogFor(caller),
    dataset: (caller: Requester, id: string) => answers.datasetFor(caller, id),
  }
}
