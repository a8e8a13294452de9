import './polyfills.js'
import { rm, writeFile } from 'node:fs/promises'
import { ApiServer, nodeRoutes } from './api/index.js'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  catalogTopic,
  PeerAdmission,
  PeerMesh,
  type PeerSummary,
  sameDataspacePolicy,
} from './bindings/p2p/index.js'
import { ConfigError, type NodeFiles } from './config/index.js'
import type { Logger } from './log/index.js'
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
      this.libp2p = await buildLibp2p({
        privateKey: key.privateKey,
        dataspace: config.dataspace,
        listen: config.listen,
        bootstrap: config.bootstrap,
        mdns: config.mdns,
        admission: this.admission,
      })
      await this.admission.start(this.libp2p)
      try {
        await this.libp2p.start()
      } catch (cause) {
        throw new ConfigError(`cannot listen on ${config.listen.join(', ')}: ${(cause as Error).message}`, {
          cause,
        })
      }
      this.libp2p.services.pubsub.subscribe(catalogTopic(config.dataspace))
      this.mesh = new PeerMesh(
        this.libp2p,
        this.admission,
        log.child({ name: 'allmende:p2p' }),
        config.bootstrap,
      )
      this.mesh.start()
      this.api = new ApiServer(log.child({ name: 'allmende:api' }), {
        host: config.apiHost,
        port: config.apiPort,
        token: files.apiToken,
        routes: [
          (router) => nodeRoutes(router, { identity: () => this.identity(), peers: () => this.peers() }),
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

  /** Stops in reverse order; safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    this.mesh?.stop()
    await this.api?.stop()
    await this.libp2p?.stop()
    await this.store?.close()
    if (this.apiUrl !== undefined) await rm(this.init.files.directory.runtimeFile, { force: true })
    this.mesh = undefined
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
