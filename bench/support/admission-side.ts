// One side of the admission bench (bench/admission.ts): a child process holding the real admission policy of
// one anchor or of several members, each with its own store, wallet and status list cache. A process of its
// own, so what a node remembers (canonical forms, verified proofs) is only what that node itself saw.
import '../../src/polyfills.js'
import { join } from 'node:path'
import {
  type JsonLdObject,
  parseStatusListUrl,
  StatusListCache,
  StatusListIssuer,
} from '../../src/credentials/index.js'
import {
  type DataspaceDescriptor,
  MemberRegistry,
  MembershipAdmissionPolicy,
  MembershipWallet,
  RevocationLists,
} from '../../src/dataspace/index.js'
import { nodeKeyFromSeed } from '../../src/identity/index.js'
import { Store } from '../../src/store/index.js'

/** What the bench hands a side: the nodes it plays and the anchors' status lists. */
export interface SideInit {
  readonly descriptor: DataspaceDescriptor
  /** One folder per node, below which its store is (an anchor's holds its register already). */
  readonly nodes: readonly {
    readonly dir: string
    readonly seed: string
    readonly credentials: JsonLdObject[]
  }[]
  /** Every anchor's status list credential by URL (what a member would fetch from the anchor). */
  readonly statusLists: Record<string, JsonLdObject>
}

/** A request to a side; every answer carries the CPU milliseconds this process spent on it. */
export type SideRequest =
  | { readonly op: 'init'; readonly init: SideInit }
  | { readonly op: 'proof'; readonly node: number; readonly nonce: string }
  | {
      readonly op: 'check'
      readonly node: number
      readonly holder: string
      readonly proof: unknown
      readonly nonce: string
    }

const policies: MembershipAdmissionPolicy[] = []

async function open(init: SideInit): Promise<string[]> {
  const { descriptor } = init
  const dids: string[] = []
  for (const node of init.nodes) {
    const key = await nodeKeyFromSeed(Buffer.from(node.seed, 'base64'))
    const store = await Store.open(join(node.dir, 'db'))
    const wallet = new MembershipWallet(store, descriptor, key.did)
    for (const credential of node.credentials) await wallet.put(credential)
    const anchor = descriptor.trustAnchor.includes(key.did)
    const lists = anchor ? await StatusListIssuer.open({ store, key }) : undefined
    const registry =
      lists === undefined ? undefined : new MemberRegistry({ store, key, descriptor, statusLists: lists })
    const revocations = new RevocationLists(store, descriptor)
    const statusChecker = new StatusListCache({
      fetcher: async (url) => {
        const { issuerDid, listId } = parseStatusListUrl(url)
        if (issuerDid === key.did && lists !== undefined) return lists.getStatusListCredential(listId)
        const list = init.statusLists[url]
        if (list === undefined) throw new Error(`no status list ${url}`)
        return list
      },
    })
    policies.push(
      new MembershipAdmissionPolicy({
        descriptor,
        key,
        wallet,
        statusChecker,
        ownEndorsement: async (member) => registry?.activeCredential(member),
        vetoes: (member, credentials) => revocations.vetoesOf(member, credentials),
      }),
    )
    dids.push(key.did)
  }
  return dids
}

async function answer(request: SideRequest): Promise<unknown> {
  switch (request.op) {
    case 'init':
      return { dids: await open(request.init) }
    case 'proof':
      return { proof: await policies[request.node]!.proofFor(request.nonce) }
    case 'check': {
      const policy = policies[request.node]!
      return policy.check(
        request.holder,
        { dataspace: policy.dataspace, proof: request.proof },
        request.nonce,
      )
    }
  }
}

process.on('message', (request: SideRequest & { id: number }) => {
  const before = process.cpuUsage()
  void answer(request).then(
    (result) => {
      const used = process.cpuUsage(before)
      process.send!({ id: request.id, result, cpuMs: (used.user + used.system) / 1000 })
    },
    (error: Error) => process.send!({ id: request.id, error: error.stack ?? error.message }),
  )
})
