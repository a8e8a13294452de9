import { join } from 'node:path'
import { parseStatusListUrl, StatusListCache, StatusListIssuer } from '../../../src/credentials/index.js'
import type { DataspaceNetwork } from '../../../src/dataspace/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../../src/identity/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

/** Deterministic keys: two anchors, two would-be members, and a stranger who is no anchor. */
export async function keys(): Promise<
  Record<'anchor1' | 'anchor2' | 'member' | 'other' | 'stranger', NodeKey>
> {
  return {
    anchor1: await nodeKeyFromSeed(new Uint8Array(32).fill(11)),
    anchor2: await nodeKeyFromSeed(new Uint8Array(32).fill(12)),
    member: await nodeKeyFromSeed(new Uint8Array(32).fill(13)),
    other: await nodeKeyFromSeed(new Uint8Array(32).fill(14)),
    stranger: await nodeKeyFromSeed(new Uint8Array(32).fill(15)),
  }
}

/** A fresh store in a temporary directory. */
export async function tempStore(): Promise<Store> {
  return Store.open(join(await tempDir('allmende-dataspace-unit-'), 'db'))
}

/** Status list issuers of several keys and a verifier cache that fetches from them in-process. */
export async function statusLists(store: Store, issuers: readonly NodeKey[]) {
  const byDid = new Map<string, StatusListIssuer>()
  for (const key of issuers) byDid.set(key.did, await StatusListIssuer.open({ store, key }))
  const cache = new StatusListCache({
    ttlMs: 0,
    fetcher: async (url) => {
      const { issuerDid, listId } = parseStatusListUrl(url)
      const issuer = byDid.get(issuerDid)
      if (issuer === undefined) throw new Error(`no issuer ${issuerDid}`)
      return issuer.getStatusListCredential(listId)
    },
  })
  return { issuer: (key: NodeKey) => byDid.get(key.did)!, cache }
}

/**
 * A data space network with no peers, for a service's own logic: every method answers as a node alone would,
 * `overrides` stand in for the peers a test needs (e.g. an anchor whose first answer fails).
 */
export function quietNetwork(overrides: Partial<DataspaceNetwork> = {}): DataspaceNetwork {
  const alone: DataspaceNetwork = {
    serve: async () => undefined,
    connected: () => [],
    isConnected: () => false,
    isAdmitted: async () => false,
    deny: async () => undefined,
    forgive: () => undefined,
    setStanding: () => undefined,
    target: () => undefined,
    forget: async () => undefined,
    requestCredential: async () => {
      throw new Error('no anchor is connected')
    },
    sendNotice: async () => undefined,
    fetchStatusList: async () => {
      throw new Error('no issuer is connected')
    },
    spreadDescriptor: async () => undefined,
    syncWith: async () => undefined,
    announce: async () => undefined,
  }
  return { ...alone, ...overrides }
}
