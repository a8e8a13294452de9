import { readFile, writeFile } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { parseJsonWithPosition } from '../util/json-syntax.js'
import { ConfigError } from './errors.js'

/** What `allmende init` writes to `config.json`; `start` flags override it for one run. */
export interface NodeConfig {
  /** Human name of the municipality, e.g. "Landkreis Kusel". */
  name: string
  /** Data space id: names the private DHT and the gossip topic. */
  dataspace: string
  /** libp2p listen multiaddrs; `init` fixes a concrete port once, so peers can dial the node again after a restart. */
  listen: string[]
  /** Addresses others must dial instead of the listen addresses (NAT, containers, DNS names). */
  announce: string[]
  /** Management API port; 0 = any free port. */
  apiPort: number
  /** Management API host; 127.0.0.1 unless an operator opens it on purpose. */
  apiHost: string
  /** Full bootstrap multiaddrs (`…/p2p/<peerId>`). */
  bootstrap: string[]
  /** Discover peers by mDNS on the local network (off by default: it multicasts). */
  mdns: boolean
  /** Path of a data space descriptor this node joined, relative to the node directory. */
  descriptor?: string
  /** Seconds between revocation re-checks of connected members (default 60). */
  membershipRefresh?: number
  /** Port of the DSP HTTP listener (DSP 2025-1 HTTPS binding, on `apiHost`); unset = no listener, 0 = any free port. */
  dspPort?: number
  /** The DSP base as peers reach it through the TLS proxy, e.g. `https://dsp.kusel.de/dsp/2025-1`. */
  dspPublicUrl?: string
  /** The DSP listener is reached through that proxy: per-address limits use its `X-Forwarded-For`. */
  dspTrustProxy?: boolean
  /**
   * Worker processes that serve `HttpData-PULL` beside the node's own (default 0: the node serves
   * them itself). Needs `dspPort`; they listen on `dataPort` of `apiHost`.
   */
  dataWorkers?: number
  /** Port of the data-plane workers' listener; unset or 0 = any free port. */
  dataPort?: number
  /** The workers' versioned base as consumers reach it through the TLS proxy, e.g. `https://data.kusel.de/dsp/2025-1`. */
  dataPublicUrl?: string
  /** Absolute path of the folder received data is written to; default `downloads` beside the node directory. */
  downloadDir?: string
  /**
   * Most libp2p connections the node keeps (default {@link DEFAULT_MAX_CONNECTIONS}): in a data space of
   * hundreds, no node needs a connection to every other; catalogs and negotiations dial whom they need.
   */
  maxConnections?: number
  /**
   * The public page where people ask for this node's data, e.g. `https://daten.kusel.de/`: the
   * DCAT-AP.de export's access URL (before `dspPublicUrl`) and catalog homepage.
   */
  landingPage?: string
  /**
   * The events in force at this node, as IRIs (`https://w3id.org/allmende/odrl#FloodAlert`; an
   * `allmende:` name expands): offers constraining `event` are judged against them.
   */
  events?: string[]
}

/**
 * Connections a node keeps when idle unless configured otherwise: enough for the DHT and a gossip mesh of
 * six, far below hundreds. Every connection costs CPU while idle (gossip heartbeats, DHT upkeep, pings):
 * at 15 to 21 connections per node a member spent 21 ms of CPU per second doing nothing.
 */
export const DEFAULT_MAX_CONNECTIONS = 8

export const DEFAULT_CONFIG: Omit<NodeConfig, 'name'> = {
  dataspace: 'local',
  listen: ['/ip4/127.0.0.1/tcp/0'],
  announce: [],
  apiPort: 0,
  apiHost: '127.0.0.1',
  bootstrap: [],
  mdns: false,
}

/** Flags of `init` and `start` that override config fields. */
export type ConfigOverrides = Partial<NodeConfig>

/** Checks every field; the error names the file and field so the operator can fix it. */
export function validateNodeConfig(value: unknown, source: string): NodeConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${source}: expected a JSON object`)
  }
  const raw = { ...DEFAULT_CONFIG, ...(value as Record<string, unknown>) } as Record<string, unknown>
  const fail = (field: string, what: string): never => {
    throw new ConfigError(`${source}: field "${field}" ${what}`)
  }
  if (typeof raw.name !== 'string' || raw.name.trim() === '') fail('name', 'must be a non-empty string')
  if (typeof raw.dataspace !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(raw.dataspace)) {
    fail('dataspace', 'must be 1-128 characters of letters, digits and . _ : -')
  }
  const strings = (field: string): string[] => {
    const list = raw[field]
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))
      fail(field, 'must be a list of strings')
    return list as string[]
  }
  const listen = strings('listen')
  if (listen.length === 0) fail('listen', 'needs at least one multiaddr')
  for (const [i, addr] of listen.entries()) parseMultiaddr(addr, `${source}: field "listen[${i}]"`)
  const announce = strings('announce')
  for (const [i, addr] of announce.entries()) parseMultiaddr(addr, `${source}: field "announce[${i}]"`)
  const bootstrap = strings('bootstrap')
  for (const [i, addr] of bootstrap.entries())
    parseBootstrapAddress(addr, `${source}: field "bootstrap[${i}]"`)
  if (!Number.isInteger(raw.apiPort) || (raw.apiPort as number) < 0 || (raw.apiPort as number) > 65535) {
    fail('apiPort', 'must be a port number 0-65535')
  }
  if (typeof raw.apiHost !== 'string' || raw.apiHost === '') fail('apiHost', 'must be a host name or address')
  if (typeof raw.mdns !== 'boolean') fail('mdns', 'must be true or false')
  if (raw.descriptor !== undefined && typeof raw.descriptor !== 'string') fail('descriptor', 'must be a path')
  if (
    raw.membershipRefresh !== undefined &&
    (typeof raw.membershipRefresh !== 'number' ||
      !Number.isFinite(raw.membershipRefresh) ||
      raw.membershipRefresh < 0.5 ||
      raw.membershipRefresh > 3600)
  ) {
    fail('membershipRefresh', 'must be a number of seconds from 0.5 to 3600')
  }
  /** An optional whole number from `min` to `max`. */
  const wholeNumber = (field: string, min: number, max: number, what: string) => {
    const value = raw[field]
    if (
      value !== undefined &&
      (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    )
      fail(field, what)
  }
  wholeNumber('maxConnections', 2, 10_000, 'must be a whole number from 2 to 10000')
  wholeNumber('dspPort', 0, 65535, 'must be a port number 0-65535')
  wholeNumber('dataWorkers', 0, 64, 'must be a whole number from 0 to 64')
  wholeNumber('dataPort', 0, 65535, 'must be a port number 0-65535')
  if ((raw.dataWorkers as number | undefined) && raw.dspPort === undefined)
    fail(
      'dataWorkers',
      'needs dspPort: the workers serve the pulls of the DSP HTTP binding (allmende config set dspPort 8282)',
    )
  if (raw.dspTrustProxy !== undefined && typeof raw.dspTrustProxy !== 'boolean')
    fail('dspTrustProxy', 'must be true or false')
  if (raw.downloadDir !== undefined && (typeof raw.downloadDir !== 'string' || !isAbsolute(raw.downloadDir)))
    fail('downloadDir', 'must be the absolute path of a folder')
  const publicUrl = (field: string, example: string) => {
    if (raw[field] === undefined) return
    let url: URL | undefined
    try {
      url = typeof raw[field] === 'string' ? new URL(raw[field] as string) : undefined
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      fail(field, `must be an absolute https:// URL of ${example}`)
    }
  }
  const events =
    raw.events === undefined
      ? undefined
      : strings('events').map((event) =>
          event.startsWith('allmende:') ? `https://w3id.org/allmende/odrl#${event.slice(9)}` : event,
        )
  if (events?.some((event) => !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(event)))
    fail('events', 'must be a list of IRIs such as allmende:FloodAlert')
  publicUrl('dspPublicUrl', 'the DSP base, e.g. https://dsp.example.de/dsp/2025-1')
  publicUrl('landingPage', "the node's public data page, e.g. https://daten.example.de/")
  publicUrl('dataPublicUrl', "the data workers' base, e.g. https://data.example.de/dsp/2025-1")
  return {
    name: (raw.name as string).trim(),
    dataspace: raw.dataspace as string,
    listen,
    announce,
    apiPort: raw.apiPort as number,
    apiHost: raw.apiHost as string,
    bootstrap,
    mdns: raw.mdns as boolean,
    ...(raw.descriptor === undefined ? {} : { descriptor: raw.descriptor as string }),
    ...(raw.membershipRefresh === undefined ? {} : { membershipRefresh: raw.membershipRefresh as number }),
    ...(raw.dspPort === undefined ? {} : { dspPort: raw.dspPort as number }),
    ...(raw.dspPublicUrl === undefined ? {} : { dspPublicUrl: raw.dspPublicUrl as string }),
    ...(raw.dspTrustProxy === undefined ? {} : { dspTrustProxy: raw.dspTrustProxy as boolean }),
    ...(raw.dataWorkers === undefined ? {} : { dataWorkers: raw.dataWorkers as number }),
    ...(raw.dataPort === undefined ? {} : { dataPort: raw.dataPort as number }),
    ...(raw.dataPublicUrl === undefined ? {} : { dataPublicUrl: raw.dataPublicUrl as string }),
    ...(raw.downloadDir === undefined ? {} : { downloadDir: raw.downloadDir as string }),
    ...(raw.maxConnections === undefined ? {} : { maxConnections: raw.maxConnections as number }),
    ...(raw.landingPage === undefined ? {} : { landingPage: raw.landingPage as string }),
    ...(events === undefined ? {} : { events }),
  }
}

function parseMultiaddr(addr: string, where: string) {
  try {
    return multiaddr(addr)
  } catch (cause) {
    throw new ConfigError(`${where}: "${addr}" is not a multiaddr (${(cause as Error).message})`, { cause })
  }
}

/** A bootstrap address must name its peer, or the node could not check whom it reached. */
export function parseBootstrapAddress(addr: string, where: string) {
  const ma = parseMultiaddr(addr, where)
  const peer = ma.getComponents().find((c) => c.name === 'p2p')
  if (peer === undefined) {
    throw new ConfigError(`${where}: "${addr}" lacks /p2p/<peerId>; give the full address of the peer`)
  }
  try {
    peerIdFromString(peer.value ?? '')
  } catch {
    throw new ConfigError(
      `${where}: "${peer.value}" in "${addr}" is not a PeerId; use the address the member's "allmende status" prints`,
    )
  }
  return ma
}

export async function readNodeConfig(file: string): Promise<NodeConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new ConfigError(
      code === 'ENOENT' ? `${file} not found` : `cannot read ${file}: ${(cause as Error).message}`,
      { cause },
    )
  }
  const json = parseJsonWithPosition(text, (sentence) => new ConfigError(`${file} is ${sentence}`))
  return validateNodeConfig(json, file)
}

export async function writeNodeConfig(file: string, config: NodeConfig): Promise<void> {
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 })
}

/** The config for this run: file values, then flags. Validated again so flags get the same checks. */
export function applyOverrides(config: NodeConfig, overrides: ConfigOverrides, source: string): NodeConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  return validateNodeConfig({ ...config, ...defined }, source)
}
