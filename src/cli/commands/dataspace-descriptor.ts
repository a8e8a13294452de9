import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { dialableAddresses, type NodeFiles } from '../../config/index.js'
import {
  adoptDescriptor,
  checkDescriptorDraft,
  type DataspaceDescriptor,
  DESCRIPTOR_FILE,
  loadNodeDescriptor,
  signDescriptor,
  successorRefusal,
} from '../../dataspace/index.js'
import { didKeyFromPeerId } from '../../identity/index.js'
import { UsageError } from '../command.js'
import { runningNodeClient } from './dataspace-members.js'

/** Where a descriptor waits for the co-signatures of the other anchors. */
export const DRAFT_FILE = 'dataspace-draft.json'

/**
 * An anchor named on the command line: a DID, or the full multiaddr of its node (`…/p2p/<peerId>`), which
 * names its did:key and adds the address to the bootstrap list.
 */
export function parseAnchor(value: string): { did: string; bootstrap?: string } {
  if (value.startsWith('did:')) return { did: value }
  try {
    const peer = multiaddr(value)
      .getComponents()
      .find((c) => c.name === 'p2p')?.value
    if (peer !== undefined) return { did: didKeyFromPeerId(peerIdFromString(peer)), bootstrap: value }
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(
    `--anchor takes a DID (did:key:…) or the full address of the anchor's node (/ip4/…/tcp/…/p2p/12D3KooW…), got "${value}"`,
  )
}

/** This node's dialable addresses, for the descriptor's bootstrap list; refuses a node nobody could dial. */
export function ownBootstrap(files: NodeFiles): string[] {
  const own = dialableAddresses(files.config, files.key.peerId.toString())
  if (own.length === 0) {
    throw new UsageError(
      `the node in ${files.directory.root} has no dialable libp2p address (listen port 0?); fix one first: allmende config set listen /ip4/0.0.0.0/tcp/4001`,
    )
  }
  return own
}

/** The bootstrap list with this node's entries replaced by its current addresses. */
export function withOwnAddresses(bootstrap: readonly string[], files: NodeFiles): string[] {
  const self = files.key.peerId.toString()
  const others = bootstrap.filter((address) => !address.endsWith(`/p2p/${self}`))
  return [...ownBootstrap(files), ...others]
}

/** The verified descriptor of the node, or a usage error saying how to get one. */
export async function currentDescriptor(files: NodeFiles): Promise<DataspaceDescriptor> {
  const descriptor = await loadNodeDescriptor(files.directory, files.config)
  if (descriptor === undefined) {
    throw new UsageError(
      `the node in ${files.directory.root} belongs to no data space; create one with 'allmende dataspace create'`,
    )
  }
  return descriptor
}

/** What became of a descriptor this node signed. */
export type Signed =
  | { state: 'adopted'; path: string; descriptor: DataspaceDescriptor; running: boolean }
  | { state: 'draft'; path: string; descriptor: DataspaceDescriptor; missing: string[] }

/**
 * Signs a descriptor (a new data space or a new version) with this node's key. Fully signed, it becomes the
 * node's data space (a running node takes it over at once and hands it on to its peers); still missing
 * signatures, it is written as a draft for the other anchors to co-sign.
 */
export async function signAndPlace(
  files: NodeFiles,
  dir: string,
  unsigned: DataspaceDescriptor,
  options: { draftPath?: string; membershipRefresh?: number; replace?: boolean } = {},
): Promise<Signed> {
  const signed = await signDescriptor(unsigned, files.key)
  const { missing } = await checkDescriptorDraft(signed)
  // The co-signers' file gets every signature, the last one too: they adopt it from there.
  if (missing.length > 0 || options.draftPath !== undefined) {
    const path = options.draftPath ?? join(files.directory.root, DRAFT_FILE)
    await writeFile(path, `${JSON.stringify(signed, null, 2)}\n`, { mode: 0o644 })
    if (missing.length > 0) return { state: 'draft', path, descriptor: signed, missing }
  }
  return { ...(await install(files, dir, signed, options)), state: 'adopted', descriptor: signed }
}

/**
 * Makes a fully signed descriptor the node's: through the API of a running node (which checks it is a
 * successor, uses it at once and tells its peers), else by writing the node directory.
 */
export async function install(
  files: NodeFiles,
  dir: string,
  descriptor: DataspaceDescriptor,
  options: { membershipRefresh?: number; replace?: boolean } = {},
): Promise<{ path: string; running: boolean }> {
  const current =
    files.config.descriptor === undefined
      ? undefined
      : await loadNodeDescriptor(files.directory, files.config)
  if (current !== undefined && current.id !== descriptor.id && options.replace !== true) {
    throw new UsageError(
      `the node in ${files.directory.root} belongs to data space ${current.id}, not ${descriptor.id}`,
    )
  }
  if (current !== undefined && current.id === descriptor.id) {
    const refusal = successorRefusal(current, descriptor)
    if (refusal !== undefined) throw new UsageError(`the descriptor cannot replace this node's: ${refusal}`)
  }
  const client = await runningNodeClient(dir)
  if (client !== undefined && current?.id === descriptor.id) {
    await client.request('PUT', '/api/v1/dataspace/descriptor', descriptor)
    return { path: join(files.directory.root, DESCRIPTOR_FILE), running: true }
  }
  const { path } = await adoptDescriptor(files.directory, descriptor, options)
  return { path, running: client !== undefined }
}
