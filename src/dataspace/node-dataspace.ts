import { isAbsolute, join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  ConfigError,
  type NodeConfig,
  type NodeDirectory,
  parseBootstrapAddress,
  readNodeConfig,
  validateNodeConfig,
  writeNodeConfig,
} from '../config/index.js'
import { StatusListIssuer } from '../credentials/index.js'
import type { NodeKey } from '../identity/index.js'
import { Store } from '../store/index.js'
import { type DataspaceDescriptor, readDescriptorFile, writeDescriptorFile } from './descriptor.js'
import {
  InvalidDescriptorError,
  MembershipUnavailableError,
  NoDataspaceError,
  UnfitCredentialError,
} from './errors.js'
import { MemberRegistry } from './member-registry.js'
import { MembershipWallet } from './membership-wallet.js'
import type { VerifiedDescriptors } from './verified-descriptors.js'

/** Where a node keeps the descriptor of its data space, relative to its directory. */
export const DESCRIPTOR_FILE = 'dataspace.json'

/** The absolute path of the descriptor a config names. */
export function descriptorPath(directory: NodeDirectory, config: NodeConfig): string | undefined {
  if (config.descriptor === undefined) return undefined
  return isAbsolute(config.descriptor) ? config.descriptor : join(directory.root, config.descriptor)
}

/**
 * The verified descriptor of a node's data space, or undefined if it joined none. Refuses a config whose
 * `dataspace` is not the descriptor's id (the DHT and gossip names would not match the members'). With
 * `verified` (the node's store), a file verified at an earlier start is not verified again.
 */
export async function loadNodeDescriptor(
  directory: NodeDirectory,
  config: NodeConfig,
  verified?: VerifiedDescriptors,
): Promise<DataspaceDescriptor | undefined> {
  const file = descriptorPath(directory, config)
  if (file === undefined) return undefined
  const descriptor = await readDescriptorFile(file, verified === undefined ? {} : { verified })
  if (descriptor.id !== config.dataspace) {
    throw new InvalidDescriptorError(
      `${directory.configFile} names data space "${config.dataspace}" but its descriptor ${file} is ${descriptor.id}; ` +
        `join again with: allmende dataspace join --descriptor ${file} --dir ${directory.root}`,
    )
  }
  return descriptor
}

/** The descriptor's bootstrap addresses without this node's own. */
export function descriptorBootstrap(descriptor: DataspaceDescriptor, self: PeerId): string[] {
  return descriptor.bootstrap.filter((address) => {
    try {
      return (
        multiaddr(address)
          .getComponents()
          .find((c) => c.name === 'p2p')?.value !== self.toString()
      )
    } catch {
      return false
    }
  })
}

/**
 * Makes a descriptor the node's data space: writes it to `<dir>/dataspace.json` and points the config's
 * `dataspace` and `descriptor` at it. The descriptor's bootstrap list is read at every start (and replaced by
 * newer versions), so it is not copied into the config. Returns the descriptor path and the new config.
 */
export async function adoptDescriptor(
  directory: NodeDirectory,
  descriptor: DataspaceDescriptor,
  options: { membershipRefresh?: number } = {},
): Promise<{ path: string; config: NodeConfig }> {
  const path = join(directory.root, DESCRIPTOR_FILE)
  const config = await readNodeConfig(directory.configFile)
  for (const [i, address] of descriptor.bootstrap.entries()) {
    // Bad bootstrap addresses in the descriptor are refused here, not at the next start.
    parseBootstrapAddress(address, `the descriptor's bootstrap[${i}]`)
  }
  const updated: NodeConfig = {
    ...config,
    dataspace: descriptor.id,
    descriptor: DESCRIPTOR_FILE,
    ...(options.membershipRefresh === undefined ? {} : { membershipRefresh: options.membershipRefresh }),
  }
  const checked = validateNodeConfig(updated, directory.configFile)
  await writeDescriptorFile(path, descriptor)
  await writeNodeConfig(directory.configFile, checked)
  return { path, config: checked }
}

/**
 * The member register of a stopped anchor node, opened on its database directly (the CLI's path when no node
 * runs). `close()` releases the database.
 */
export async function openOfflineRegistry(
  directory: NodeDirectory,
  config: NodeConfig,
  key: NodeKey,
): Promise<{ registry: MemberRegistry; descriptor: DataspaceDescriptor; close(): Promise<void> }> {
  const descriptor = await loadNodeDescriptor(directory, config)
  if (descriptor === undefined) throw new NoDataspaceError(directory.root)
  const store = await openStoppedNodeStore(
    directory,
    'but its management API does not answer; retry when it is up',
  )
  try {
    const statusLists = await StatusListIssuer.open({ store, key })
    const registry = new MemberRegistry({ store, key, descriptor, statusLists })
    return { registry, descriptor, close: () => store.close() }
  } catch (error) {
    await store.close()
    throw error
  }
}

/**
 * Keeps membership credentials an anchor handed over as files (`dataspace endorse --credential-out`) in a stopped
 * node's wallet, each checked as one fetched from an anchor (for this node, in this data space, signed by one of
 * its anchors): a node that starts with them is a member at once, whether its anchors run or not. Returns the
 * issuing anchors' DIDs; throws {@link UnfitCredentialError} naming the file of the first that does not fit.
 */
export async function keepHandedCredentials(
  directory: NodeDirectory,
  descriptor: DataspaceDescriptor,
  holder: string,
  files: readonly { readonly file: string; readonly credential: unknown }[],
): Promise<string[]> {
  const store = await openStoppedNodeStore(
    directory,
    '(it fetches its credential from an anchor itself); stop it to hand one over as a file',
  )
  try {
    const wallet = new MembershipWallet(store, descriptor, holder)
    const issuers: string[] = []
    for (const { file, credential } of files) {
      try {
        issuers.push(await wallet.put(credential))
      } catch (error) {
        if (!(error instanceof MembershipUnavailableError)) throw error
        throw new UnfitCredentialError(file, error.message, { cause: error })
      }
    }
    return issuers
  } finally {
    await store.close()
  }
}

/** A stopped node's database; a running node holds it, and `whileRunning` ends the sentence that says so. */
async function openStoppedNodeStore(directory: NodeDirectory, whileRunning: string): Promise<Store> {
  try {
    return await Store.open(directory.dbDir)
  } catch (cause) {
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    throw new ConfigError(
      locked
        ? `the node in ${directory.root} is running ${whileRunning}`
        : `cannot open database ${directory.dbDir}: ${(cause as Error).message}`,
      { cause },
    )
  }
}
