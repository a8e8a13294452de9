import './polyfills.js'
import { rm, writeFile } from 'node:fs/promises'
import {
  ApiServer,
  auditRoutes,
  catalogRoutes,
  contractRoutes,
  datasetRoutes,
  dataspaceRoutes,
  nodeRoutes,
} from './api/index.js'
import { AuditLog } from './audit/index.js'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pCatalogNetwork,
  P2pDspEndpoint,
  PeerAdmission,
  PeerMesh,
  type PeerSummary,
  sameDataspacePolicy,
} from './bindings/p2p/index.js'
import {
  buildDspCatalog,
  Catalog,
  CatalogFederation,
  FederatedCatalogCache,
  requesterConstraintEvaluator,
  toDspOffer,
  validateOfferWithPolicyEngine,
} from './catalog/index.js'
import { ConfigError, type NodeFiles } from './config/index.js'
import { decideOnOffer, NegotiationService } from './contract/index.js'
import { StatusListIssuer } from './credentials/index.js'
import { DataspaceService, descriptorBootstrap, loadNodeDescriptor } from './dataspace/index.js'
import { peerIdFromDidKey } from './identity/index.js'
import type { Logger } from './log/index.js'
import { type MessageOffer, NotFoundError } from './protocol/index.js'
import { Store } from './store/index.js'

export interface ConnectorInit {
  files: NodeFiles
  log: Logger
}

/** What `allmende status` and `GET /api/v1/identity` report. */
export interface ConnectorIdentity {
  name: string
  did: string
  peerId: string
  multiaddrs: string[]
  dataspace: string
}

/**
 * The composition root: builds one connector from its node directory and wires the parts.
 * No logic of its own beyond order of start and stop.
 */
export class Connector {
  private store?: Store
  private libp2p?: AllmendeLibp2p
  private mesh?: PeerMesh
  private api?: ApiServer
  private apiUrl?: string
  private dataspace?: DataspaceService
  private negotiations?: NegotiationService
  private federation?: CatalogFederation
  readonly admission: PeerAdmission

  constructor(private readonly init: ConnectorInit) {
    const { config } = init.files
    this.admission = new PeerAdmission(
      init.log.child({ name: 'allmende:admission' }),
      sameDataspacePolicy(config.dataspace),
    )
  }

  get files(): NodeFiles {
    return this.init.files
  }

  /** Opens the store, starts libp2p and the API, and announces the API in the node directory. */
  async start(): Promise<{ apiUrl: string }> {
    const { files, log } = this.init
    const { config, key, directory } = files
    this.store = await openStoreOrExplain(directory.dbDir, directory.root)
    try {
      // With a descriptor, only members of its data space are admitted; without one, same-id peers are.
      const descriptor = await loadNodeDescriptor(directory, config)
      if (descriptor !== undefined) {
        this.dataspace = new DataspaceService({
          descriptor,
          key,
          store: this.store,
          statusLists: await StatusListIssuer.open({ store: this.store, key }),
          admission: this.admission,
          log: log.child({ name: 'allmende:dataspace' }),
          ...(config.membershipRefresh === undefined ? {} : { refreshSeconds: config.membershipRefresh }),
        })
        this.admission.setPolicy(this.dataspace.policy)
      }
      this.libp2p = await buildLibp2p({
        privateKey: key.privateKey,
        dataspace: config.dataspace,
        listen: config.listen,
        bootstrap:
          descriptor === undefined
            ? config.bootstrap
            : [...new Set([...config.bootstrap, ...descriptorBootstrap(descriptor, key.peerId)])],
        mdns: config.mdns,
        admission: this.admission,
      })
      await this.admission.start(this.libp2p)
      await this.dataspace?.start(this.libp2p)
      try {
        await this.libp2p.start()
      } catch (cause) {
        throw new ConfigError(`cannot listen on ${config.listen.join(', ')}: ${(cause as Error).message}`, {
          cause,
        })
      }
      this.mesh = new PeerMesh(
        this.libp2p,
        this.admission,
        log.child({ name: 'allmende:p2p' }),
        config.bootstrap,
      )
      this.mesh.start()
      const domain = await this.startDomain(this.libp2p, this.store)
      this.api = new ApiServer(log.child({ name: 'allmende:api' }), {
        host: config.apiHost,
        port: config.apiPort,
        token: files.apiToken,
        routes: [
          (router) => nodeRoutes(router, { identity: () => this.identity(), peers: () => this.peers() }),
          (router) => dataspaceRoutes(router, { dataspace: () => this.dataspace, root: directory.root }),
          (router) => datasetRoutes(router, domain.catalog),
          (router) =>
            catalogRoutes(router, {
              catalog: domain.catalog,
              federation: domain.federation,
              exportOptions: () => ({
                catalogIri: `urn:allmende:catalog:${key.did}`,
                title: `Katalog ${config.name}`,
                description: `Offene Metadaten von ${config.name}`,
                publisher: { name: config.name, id: key.did },
                accessURL: this.apiUrl ?? 'urn:allmende:api',
              }),
            }),
          (router) =>
            contractRoutes(router, { negotiations: domain.negotiations, resolveOffer: domain.resolveOffer }),
          (router) => auditRoutes(router, domain.audit),
        ],
      })
      this.apiUrl = await this.api.start()
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

  identity(): ConnectorIdentity {
    const { config, key } = this.init.files
    return {
      name: config.name,
      did: key.did,
      peerId: key.peerId.toString(),
      multiaddrs: this.libp2p?.getMultiaddrs().map((ma) => ma.toString()) ?? [],
      dataspace: config.dataspace,
    }
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
  private async startDomain(libp2p: AllmendeLibp2p, store: Store) {
    const { config, key } = this.init.files
    const log = this.init.log
    const clock = () => new Date()
    const audit = new AuditLog({ store, nodeKey: key, clock })
    const catalog = new Catalog(
      { store, clock: { now: clock } },
      {
        validateOffer: validateOfferWithPolicyEngine,
        evaluateConstraint: requesterConstraintEvaluator(clock),
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
    )
    const cache = new FederatedCatalogCache(
      { store, clock: { now: clock }, catalog },
      { participantId: key.did },
    )
    const federation = new CatalogFederation({ catalog, cache, network, log, self: key.did })
    network.listen((announcement) => federation.onAnnouncement(announcement))
    federation.start()
    this.federation = federation
    await endpoint.serve('catalog', async (_message, caller) =>
      buildDspCatalog(
        await catalog.catalogFor({
          did: caller.did,
          isMember: await this.admission.isAdmitted(caller.peerId),
        }),
        {
          participantId: key.did,
          endpointURL: `/p2p/${key.peerId.toString()}`,
        },
      ),
    )
    const negotiations = new NegotiationService(
      {
        store,
        audit,
        nodeKey: key,
        clock,
        log: log.child({ name: 'allmende:contract' }),
        messenger: {
          send: (peer, message) => endpoint.request(peer, 'negotiation', message),
        },
      },
      {
        decide: async ({ datasetId, offer, consumer, purpose, approved }) => {
          const requester = {
            did: consumer,
            isMember: await this.admission.isAdmitted(peerIdFromDidKey(consumer)),
          }
          const offerId = String(offer['@id'])
          const published = await catalog.offerFor(requester, datasetId, offerId)
          const approval = (await catalog.get(datasetId)).offers.find(
            (o) => o.offer['@id'] === offerId,
          )?.approval
          return decideOnOffer({
            offer: published,
            terms: toDspOffer(published) as MessageOffer,
            datasetId,
            consumer,
            isMember: requester.isMember,
            now: clock(),
            approval: approval ?? 'automatic',
            approved,
            ...(purpose === undefined ? {} : { purpose }),
          })
        },
      },
    )
    await endpoint.serve('negotiation', (message, caller) => negotiations.handle(message, caller.did))
    await negotiations.start()
    this.negotiations = negotiations
    const resolveOffer = async (provider: string, dataset: string, offerId?: string) => {
      let cached = await cache.get(provider, dataset)
      if (cached === undefined) {
        await federation.refreshProvider(provider)
        cached = await cache.get(provider, dataset)
      }
      const offers =
        (cached?.dataset as { hasPolicy?: Record<string, unknown>[] } | undefined)?.hasPolicy ?? []
      const offer = offerId === undefined ? offers[0] : offers.find((o) => o['@id'] === offerId)
      if (offer === undefined) {
        throw new NotFoundError(
          `provider ${provider} offers no ${offerId === undefined ? 'offer' : `offer ${offerId}`} for dataset ${dataset} to this node`,
        )
      }
      return offer
    }
    return { audit, catalog, federation, negotiations, resolveOffer }
  }

  /** Stops in reverse order; safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    this.negotiations?.stop()
    this.federation?.stop()
    this.negotiations = undefined
    this.federation = undefined
    this.mesh?.stop()
    this.dataspace?.stop()
    await this.api?.stop()
    await this.libp2p?.stop()
    await this.store?.close()
    if (this.apiUrl !== undefined) await rm(this.init.files.directory.runtimeFile, { force: true })
    this.mesh = undefined
    this.dataspace = undefined
    this.api = undefined
    this.libp2p = undefined
    this.store = undefined
    this.apiUrl = undefined
  }
}

async function openStoreOrExplain(dbDir: string, root: string): Promise<Store> {
  try {
    return await Store.open(dbDir)
  } catch (cause) {
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    throw new ConfigError(
      locked
        ? `the node in ${root} is already running (its database is locked)`
        : `cannot open database ${dbDir}: ${(cause as Error).message}`,
      { cause },
    )
  }
}
