import { createServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from './errors.js'
import type { NodeConfig } from './node-config.js'

const WILDCARDS = new Set(['0.0.0.0', '::'])

/** The host and TCP port of a `/ip4|ip6/HOST/tcp/PORT` multiaddr; undefined for other shapes (DNS, no TCP). */
function ipTcp(address: string): { family: 'ip4' | 'ip6'; host: string; port: number } | undefined {
  const parts = multiaddr(address).getComponents()
  const ip = parts[0]
  const tcp = parts[1]
  if (ip === undefined || tcp?.name !== 'tcp' || (ip.name !== 'ip4' && ip.name !== 'ip6')) return undefined
  return { family: ip.name, host: ip.value ?? '', port: Number(tcp.value) }
}

/** Where a fixed listen port is drawn from: below every common ephemeral range (Linux 32768+, others 49152+). */
const FIXED_PORT_LOW = 20_000
const FIXED_PORT_HIGH = 32_000
const FIXED_PORT_TRIES = 200

/**
 * A TCP port free on `host` right now, for a node that keeps its port across restarts. Drawn below the
 * ephemeral range, not from the kernel (`listen(0)` hands out an ephemeral port): a port from that range may
 * be the local end of some outgoing connection by the next start, and the node could not listen on it.
 */
export async function freeFixedPort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < FIXED_PORT_TRIES; tries++) {
    const port = FIXED_PORT_LOW + Math.floor(Math.random() * (FIXED_PORT_HIGH - FIXED_PORT_LOW))
    const server = createServer()
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, host, () => resolve(true))
    })
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      return port
    }
  }
  throw new ConfigError(
    `cannot find a free port on ${host} between ${FIXED_PORT_LOW} and ${FIXED_PORT_HIGH}: give --listen with a port`,
  )
}

/**
 * Replaces every TCP port 0 by a free port, once, at `init`: a node that takes a new port at every start is
 * unreachable under the address its peers and the data space descriptor remember.
 */
export async function fixListenPorts(listen: readonly string[]): Promise<string[]> {
  const fixed: string[] = []
  for (const address of listen) {
    const tcp = ipTcp(address)
    if (tcp === undefined || tcp.port !== 0) {
      fixed.push(address)
      continue
    }
    const port = await freeFixedPort(tcp.host)
    fixed.push(`/${tcp.family}/${tcp.host}/tcp/${port}`)
  }
  return fixed
}

/**
 * The addresses other nodes can dial, with `/p2p/<peerId>`: the announce addresses if any are set, else the
 * listen addresses with a wildcard host replaced by this machine's interface addresses. Port 0 is left out:
 * nobody can dial it.
 */
export function dialableAddresses(config: Pick<NodeConfig, 'listen' | 'announce'>, peerId: string): string[] {
  const withPeer = (address: string) => (address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`)
  if (config.announce.length > 0) return config.announce.map(withPeer)
  const found: string[] = []
  for (const address of config.listen) {
    const tcp = ipTcp(address)
    if (tcp === undefined) {
      found.push(address)
      continue
    }
    if (tcp.port === 0) continue
    if (!WILDCARDS.has(tcp.host)) {
      found.push(address)
      continue
    }
    for (const host of interfaceAddresses(tcp.family)) found.push(`/${tcp.family}/${host}/tcp/${tcp.port}`)
  }
  return [...new Set(found)].map(withPeer)
}

function interfaceAddresses(family: 'ip4' | 'ip6'): string[] {
  const wanted = family === 'ip4' ? 'IPv4' : 'IPv6'
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === wanted && !(family === 'ip6' && info.address.startsWith('fe80')))
    .map((info) => info.address)
}

/** Whether an address can only be dialled from this machine. */
export function isLoopbackAddress(address: string): boolean {
  const tcp = ipTcp(address)
  return tcp !== undefined && (tcp.host.startsWith('127.') || tcp.host === '::1')
}

/**
 * What makes a node hard or impossible to reach, in words an operator can act on (for `allmende status`).
 * Empty when nothing is wrong that the config can show.
 */
export function reachabilityWarnings(config: Pick<NodeConfig, 'listen' | 'announce'>): string[] {
  const warnings: string[] = []
  const tcp = config.listen.map((address) => ipTcp(address))
  if (tcp.some((t) => t?.port === 0)) {
    warnings.push(
      'libp2p listens on port 0 (a new port at every start): peers cannot find this node again; fix one with: allmende config set listen /ip4/0.0.0.0/tcp/4001',
    )
  }
  const onlyLoopback = config.listen.every((address) => isLoopbackAddress(address))
  if (config.announce.length === 0 && onlyLoopback) {
    warnings.push(
      'libp2p listens on loopback only: only nodes on this machine can connect; listen on a network address (allmende config set listen /ip4/0.0.0.0/tcp/4001) and announce it',
    )
  } else if (config.announce.length === 0 && tcp.some((t) => t !== undefined && WILDCARDS.has(t.host))) {
    warnings.push(
      'no announce address: behind NAT or in a container peers may not reach this node; set one with: allmende config set announce /dns4/HOST/tcp/PORT',
    )
  }
  return warnings
}
