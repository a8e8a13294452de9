import { readFile, stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import {
  AUDIT_ENTRY_RANGE,
  AUDIT_HEAD_KEY,
  AUDIT_SUBLEVEL,
  type AuditEntry,
  type AuditHead,
  AuditSourceError,
  type AuditVerification,
  type CutEntryFinding,
  crossCheckPeerReceipts,
  crossCheckReceipts,
  isAuditEntry,
  type ReceiptFinding,
  verifyAuditLog,
} from '../../audit/index.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import { loadNodeKey } from '../../identity/index.js'
import { Store, StoreCorruptionError } from '../../store/index.js'
import type { CliCommand, FlagDocs } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/** A node's audit log as read from its directory, not yet verified. */
export interface LoadedAuditLog {
  /** The node's DID, which must have signed every entry. */
  readonly did: string
  /** `store`: read from `<dir>/db`; `api`: the node was running, read from its management API. */
  readonly via: 'store' | 'api'
  /** The database directory or the API URL read from. */
  readonly location: string
  /** Entries in stored order; untrusted until verified. */
  readonly entries: readonly unknown[]
  /** The head the node recorded, if its source reports one. */
  readonly head?: AuditHead
}

/**
 * Reads the audit log of the node in `dir`: straight from its database when the node is stopped,
 * or, when the running node holds the database lock, from `GET /api/v1/audit?since=0` of its
 * management API (URL from `<dir>/api.json`, token from `<dir>/api-token`). The DID comes from
 * `did` if given, else from `config.json` (`did`), else from the node's key file.
 */
export async function loadAuditEntries(dir: string, options: { did?: string } = {}): Promise<LoadedAuditLog> {
  const directory = nodeDirectory(dir)
  const did = options.did ?? (await nodeDid(directory.configFile, directory.keyFile, directory.root))
  if ((await stat(directory.dbDir).catch(() => undefined)) === undefined) {
    // A node that never started has no database and so an empty log.
    return { did, via: 'store', location: directory.dbDir, entries: [] }
  }
  let store: Store
  try {
    store = await Store.open(directory.dbDir)
  } catch (cause) {
    if (cause instanceof StoreCorruptionError) throw cause
    if ((cause as { cause?: { code?: string } }).cause?.code !== 'LEVEL_LOCKED') {
      throw new AuditSourceError(`cannot open database ${directory.dbDir}: ${(cause as Error).message}`, {
        cause,
      })
    }
    return { did, ...(await loadFromApi(dir, directory.root)) }
  }
  try {
    const audit = store.sublevel<unknown>(AUDIT_SUBLEVEL)
    const entries = await audit.values(AUDIT_ENTRY_RANGE).all()
    const head = (await audit.get(AUDIT_HEAD_KEY)) as AuditHead | undefined
    return { did, via: 'store', location: directory.dbDir, entries, ...(head === undefined ? {} : { head }) }
  } finally {
    await store.close()
  }
}

async function nodeDid(configFile: string, keyFile: string, root: string): Promise<string> {
  const config = await readFile(configFile, 'utf8').then(
    (text) => JSON.parse(text) as { did?: unknown },
    () => undefined,
  )
  if (config === undefined) {
    throw new AuditSourceError(
      `${root} holds no Allmende node (no config.json); give the node directory with --dir`,
    )
  }
  if (typeof config.did === 'string') return config.did
  try {
    return (await loadNodeKey(keyFile)).did
  } catch (cause) {
    throw new AuditSourceError(
      `cannot tell which DID signed the log: ${(cause as Error).message}; give it with --did`,
      { cause },
    )
  }
}

interface AuditPage {
  entries?: unknown
  head?: AuditHead
  /** Set by a paging API: the `since` of the next page. */
  next?: number
}

async function loadFromApi(dir: string, root: string): Promise<Omit<LoadedAuditLog, 'did'>> {
  let client: NodeClient
  try {
    client = await NodeClient.forDirectory(dir)
  } catch (cause) {
    throw new AuditSourceError(
      `the node in ${root} is running (its database is locked) but has not published its API in api.json; ` +
        'wait until it has started, or stop it and verify its database directly',
      { cause },
    )
  }
  const entries: unknown[] = []
  let head: AuditHead | undefined
  let since = 0
  for (;;) {
    let page: AuditPage
    try {
      page = await client.get<AuditPage>(`/api/v1/audit?since=${since}`)
    } catch (cause) {
      throw new AuditSourceError(
        `the node in ${root} is running, and its API ${client.url} did not give its audit log: ` +
          `${(cause as Error).message}; stop the node to verify its database directly`,
        { cause },
      )
    }
    if (!Array.isArray(page.entries)) {
      throw new AuditSourceError(`${client.url}/api/v1/audit answered without an "entries" list`)
    }
    entries.push(...page.entries)
    head = page.head ?? head
    if (typeof page.next !== 'number' || page.next <= since || page.entries.length === 0) break
    since = page.next
  }
  return { via: 'api', location: client.url, entries, ...(head === undefined ? {} : { head }) }
}

const FLAGS = {
  ...NODE_FLAGS,
  did: {
    type: 'string',
    value: 'DID',
    fallback: 'the DID of the node key in --dir',
    help: 'DID whose signatures the entries must carry',
  },
  receipts: { type: 'boolean', help: 'also cross-check the signed transfer receipts' },
  peer: {
    type: 'string',
    multiple: true,
    value: 'PEER_DIR',
    help: "a peer's node directory: every receipt it holds that this node signed must be in this log (finds entries cut off the end)",
  },
} as const satisfies FlagDocs

/** `allmende audit verify`: checks the chain, hashes and signatures of a node's log, and its receipts. */
export const auditVerifyCommand: CliCommand = {
  name: 'audit verify',
  usage: 'allmende audit verify [--dir DIR] [--did DID] [--receipts [--peer PEER_DIR]...] [--json]',
  flags: FLAGS,
  examples: [
    'allmende audit verify --dir ./kusel',
    'allmende audit verify --receipts --json --dir ./kusel',
    'allmende audit verify --receipts --peer ./myk --dir ./kusel',
  ],
  async run(args, io) {
    const { values } = parseFlags('audit verify', () => parseArgs({ args, options: FLAGS }))
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const log = await loadAuditEntries(dir, values.did === undefined ? {} : { did: values.did })
    const result = await verifyAuditLog(log.entries, {
      did: log.did,
      requireSignedHead: true,
      ...(log.head === undefined ? {} : { head: log.head }),
    })
    // Receipts are only judged in well-formed entries; a broken chain has already failed above.
    const own = log.entries.filter(isAuditEntry) as AuditEntry[]
    const findings: (ReceiptFinding | CutEntryFinding)[] | undefined =
      values.receipts === true ? crossCheckReceipts(own) : undefined
    // Each peer's log, itself verified, anchors this one: its receipts must be here too.
    for (const peerDir of values.receipts === true ? (values.peer ?? []) : []) {
      const peer = await loadAuditEntries(peerDir)
      const peerChain = await verifyAuditLog(peer.entries, {
        did: peer.did,
        requireSignedHead: true,
        ...(peer.head === undefined ? {} : { head: peer.head }),
      })
      if (!peerChain.ok) {
        throw new AuditSourceError(
          `the log of peer ${peer.did} (${peerDir}) does not verify itself (${peerChain.firstBad!.reason}); it cannot anchor this one`,
        )
      }
      findings!.push(...crossCheckPeerReceipts(log.did, own, peer.entries as AuditEntry[]))
    }
    const ok = result.ok && (findings === undefined || findings.length === 0)
    if (values.json === true) {
      const { ok: chainOk, ...chain } = result
      io.stdout(
        JSON.stringify({
          ok,
          chainOk,
          ...chain,
          did: log.did,
          via: log.via,
          location: log.location,
          receipts: findings,
        }),
      )
    } else {
      io.stdout(report(log, result, findings))
    }
    return ok ? 0 : 1
  },
}

function report(
  log: LoadedAuditLog,
  result: AuditVerification,
  findings: readonly (ReceiptFinding | CutEntryFinding)[] | undefined,
): string {
  const lines = [
    `audit log of ${log.did}`,
    `  read from ${log.location}${log.via === 'api' ? ' (node running)' : ''}`,
  ]
  if (result.ok) {
    lines.push(
      result.entries === 0
        ? '  OK: the log is empty'
        : `  OK: ${result.entries} entries, chain, hashes and signatures verify; head ${result.head.seq} ${result.head.hash.slice(0, 16)}…`,
    )
  } else {
    lines.push(`  FAILED at entry ${result.firstBad!.seq}: ${result.firstBad!.reason}`)
    if (result.head.seq > 0) lines.push(`  entries 1 to ${result.head.seq} verify`)
  }
  if (findings !== undefined) {
    if (findings.length === 0)
      lines.push('  receipts: every completed transfer has a receipt signed by both sides')
    for (const finding of findings) lines.push(`  receipt problem: ${finding.message}`)
  }
  return lines.join('\n')
}
