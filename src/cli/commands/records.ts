import { parseArgs } from 'node:util'
import type { PartyName } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
import type { AuditEntry, AuditPage } from '../../audit/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { AgreementRecord, Negotiation } from '../../contract/index.js'
import type { TransferProcessRecord } from '../../transfer/index.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags, wholeNumberFlag } from '../flags.js'
import { table } from '../table.js'

/**
 * The operator's view of what a running node keeps: negotiations, agreements, transfers and the
 * audit log, listed, shown one by one, and the few actions an operator takes on them. Each command
 * is a thin call of the management API; `--json` prints what the API answers.
 */

const REASON_FLAGS = {
  ...NODE_FLAGS,
  reason: {
    type: 'string',
    value: 'TEXT',
    fallback: 'a generic reason',
    help: 'why, for the other party and the audit log',
  },
} as const satisfies FlagDocs

async function clientFor(dir: string | undefined): Promise<NodeClient> {
  return NodeClient.forDirectory(dir ?? DEFAULT_NODE_DIR)
}

type Names = Record<string, PartyName>

/** The names of the parties the node knows (its own, from membership credentials, from handshakes). */
async function namesOf(client: NodeClient): Promise<Names> {
  return (await client.get<{ names: Names }>('/api/v1/names')).names
}

const DID_PATTERN = /did:(?:key|web):[A-Za-z0-9._:%-]+/g

/** Every DID in a text followed by its municipality's name, where the node knows it. */
export function withNames(text: string, names: Names): string {
  return text.replace(DID_PATTERN, (did) => {
    const name = names[did]?.name
    return name === undefined ? did : `${did} (${name})`
  })
}

/** A party as `Name (did)`, or its DID alone. */
function party(did: string, names: Names): string {
  const name = names[did]?.name
  return name === undefined ? did : `${name} (${did})`
}

/** Where the names of the DIDs in a record come from, one line each. */
function nameLines(record: unknown, names: Names): string[] {
  const dids = [...new Set(JSON.stringify(record).match(DID_PATTERN) ?? [])]
  return dids.flatMap((did) => {
    const known = names[did]
    if (known === undefined) return []
    const from =
      known.from === 'membership credential' ? `its membership credential, by ${known.issuer}` : known.from
    return [`${did}: ${known.name} (from ${from})`]
  })
}

function oneId(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command}: give exactly one ${what} id`)
  return positionals[0]!
}

/** `<group> list`: one row per record, or the JSON list. */
function listCommand<T>(spec: {
  name: string
  path: string
  key: string
  example: string
  header: readonly string[]
  row: (record: T, names: Names) => readonly string[]
  empty: string
}): CliCommand {
  return {
    name: spec.name,
    usage: `allmende ${spec.name} [--dir DIR] [--json]`,
    flags: NODE_FLAGS,
    examples: [spec.example],
    async run(args, io) {
      const { values } = parseFlags(spec.name, () => parseArgs({ args, options: NODE_FLAGS }))
      const client = await clientFor(values.dir)
      const answer = await client.get<Record<string, T[]>>(spec.path)
      const records = answer[spec.key] ?? []
      if (values.json === true) {
        io.stdout(JSON.stringify(records))
        return 0
      }
      const names = records.length === 0 ? {} : await namesOf(client)
      io.stdout(
        table(
          spec.header,
          records.map((record) => spec.row(record, names)),
          spec.empty,
        ),
      )
      return 0
    },
  }
}

/** `<group> show ID`: one record as indented JSON (text) or compact JSON (`--json`). */
function showCommand(spec: { name: string; path: string; what: string; example: string }): CliCommand {
  return {
    name: spec.name,
    usage: `allmende ${spec.name} ID [--dir DIR] [--json]`,
    flags: NODE_FLAGS,
    examples: [spec.example],
    async run(args, io) {
      const { values, positionals } = parseFlags(spec.name, () =>
        parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
      )
      const id = oneId(spec.name, positionals, spec.what)
      const client = await clientFor(values.dir)
      const record = await client.get<unknown>(`${spec.path}/${encodeURIComponent(id)}`)
      if (values.json === true) {
        io.stdout(JSON.stringify(record))
        return 0
      }
      io.stdout(JSON.stringify(record, null, 2))
      const lines = nameLines(record, await namesOf(client))
      if (lines.length > 0) io.stdout(['names:', ...lines.map((line) => `  ${line}`)].join('\n'))
      return 0
    },
  }
}

/** `<group> <action> ID [--reason TEXT]`: a POST on the record, then its new state. */
function actionCommand<T extends { id: string; state?: string }>(spec: {
  name: string
  path: string
  action: string
  what: string
  withReason: boolean
  example: string
  done: (record: T) => string
}): CliCommand {
  const flags = spec.withReason ? REASON_FLAGS : NODE_FLAGS
  return {
    name: spec.name,
    usage: `allmende ${spec.name} ID${spec.withReason ? ' [--reason TEXT]' : ''} [--dir DIR] [--json]`,
    flags,
    examples: [spec.example],
    async run(args, io) {
      const { values, positionals } = parseFlags(spec.name, () =>
        parseArgs({ args, options: REASON_FLAGS, allowPositionals: true }),
      )
      if (!spec.withReason && values.reason !== undefined)
        throw new UsageError(`${spec.name}: takes no --reason`)
      const id = oneId(spec.name, positionals, spec.what)
      const record = await (await clientFor(values.dir)).post<T>(
        `${spec.path}/${encodeURIComponent(id)}/${spec.action}`,
        values.reason === undefined ? {} : { reason: values.reason },
      )
      io.stdout(values.json === true ? JSON.stringify(record) : spec.done(record))
      return 0
    },
  }
}

const lastReason = (history: readonly { reason?: string }[]) => history.at(-1)?.reason ?? ''

export const negotiationsListCommand = listCommand<Negotiation>({
  name: 'negotiations list',
  path: '/api/v1/negotiations',
  key: 'negotiations',
  example: 'allmende negotiations list --dir ./kusel',
  header: ['ID', 'ROLE', 'STATE', 'DATASET', 'COUNTERPARTY', 'NOTE'],
  row: (n, names) => [
    n.id,
    n.role,
    n.state,
    n.datasetId,
    party(n.counterparty, names),
    withNames(n.awaitingApproval ?? lastReason(n.history), names),
  ],
  empty: 'no negotiations yet',
})

export const negotiationsShowCommand = showCommand({
  name: 'negotiations show',
  path: '/api/v1/negotiations',
  what: 'negotiation',
  example: 'allmende negotiations show urn:uuid:… --dir ./kusel',
})

export const negotiationsApproveCommand = actionCommand<Negotiation>({
  name: 'negotiations approve',
  path: '/api/v1/negotiations',
  action: 'approve',
  what: 'negotiation',
  withReason: false,
  example: 'allmende negotiations approve urn:uuid:… --dir ./kusel',
  done: (n) => `Approved negotiation ${n.id}: now ${n.state}`,
})

export const negotiationsTerminateCommand = actionCommand<Negotiation>({
  name: 'negotiations terminate',
  path: '/api/v1/negotiations',
  action: 'terminate',
  what: 'negotiation',
  withReason: true,
  example: 'allmende negotiations terminate urn:uuid:… --reason "not for commercial use" --dir ./kusel',
  done: (n) => `Terminated negotiation ${n.id}: ${lastReason(n.history)}`,
})

export const agreementsListCommand = listCommand<AgreementRecord>({
  name: 'agreements list',
  path: '/api/v1/agreements',
  key: 'agreements',
  example: 'allmende agreements list --dir ./myk',
  header: ['ID', 'ROLE', 'DATASET', 'PROVIDER', 'CONSUMER', 'CONCLUDED'],
  row: (a, names) => [
    a.id,
    a.role,
    a.datasetId,
    party(a.provider, names),
    party(a.consumer, names),
    a.concluded,
  ],
  empty: 'no agreements yet',
})

export const agreementsShowCommand = showCommand({
  name: 'agreements show',
  path: '/api/v1/agreements',
  what: 'agreement',
  example: 'allmende agreements show urn:uuid:… --dir ./myk',
})

export const agreementsRevokeCommand = actionCommand<AgreementRecord>({
  name: 'agreements revoke',
  path: '/api/v1/agreements',
  action: 'revoke',
  what: 'agreement',
  withReason: true,
  example: 'allmende agreements revoke urn:uuid:… --reason "Vertrag gekündigt" --dir ./kusel',
  done: (a) =>
    `Revoked agreement ${a.id}: running transfers end, new requests are refused, its status list says so`,
})

type TransferView = TransferProcessRecord & { received?: number }

export const transfersListCommand = listCommand<TransferView>({
  name: 'transfers list',
  path: '/api/v1/transfers',
  key: 'transfers',
  example: 'allmende transfers list --dir ./myk',
  header: ['ID', 'ROLE', 'STATE', 'BYTES', 'COUNTERPARTY', 'AGREEMENT', 'NOTE'],
  row: (t, names) => [
    t.id,
    t.role,
    t.state,
    String(t.received ?? t.bytes ?? 0),
    party(t.counterparty, names),
    t.agreementId,
    withNames(lastReason(t.history), names),
  ],
  empty: 'no transfers yet',
})

export const transfersShowCommand = showCommand({
  name: 'transfers show',
  path: '/api/v1/transfers',
  what: 'transfer',
  example: 'allmende transfers show urn:uuid:… --dir ./myk',
})

export const transfersCancelCommand = actionCommand<TransferView>({
  name: 'transfers cancel',
  path: '/api/v1/transfers',
  action: 'terminate',
  what: 'transfer',
  withReason: true,
  example: 'allmende transfers cancel urn:uuid:… --dir ./myk',
  done: (t) => `Cancelled transfer ${t.id}: ${t.state}`,
})

const AUDIT_FLAGS = {
  ...NODE_FLAGS,
  since: {
    type: 'string',
    value: 'SEQ',
    fallback: '0 (the first entry)',
    help: 'show entries after this number',
  },
  limit: { type: 'string', value: 'N', fallback: '100', help: 'at most this many entries' },
  type: {
    type: 'string',
    value: 'PREFIX',
    fallback: 'all',
    help: 'only entries whose type starts so (e.g. transfer.)',
  },
} as const satisfies FlagDocs

function auditLine(entry: AuditEntry, names: Names): string {
  const data = JSON.stringify(entry.data)
  const line = `${String(entry.seq).padStart(6)}  ${entry.time}  ${entry.type.padEnd(24)}  ${entry.subject}  ${data.length > 120 ? `${data.slice(0, 119)}…` : data}`
  // the parties this entry names, after the (possibly cut) data
  const parties = [...new Set(`${entry.subject} ${data}`.match(DID_PATTERN) ?? [])].flatMap((did) =>
    names[did] === undefined ? [] : [names[did].name],
  )
  return parties.length === 0 ? line : `${line}  [${parties.join(', ')}]`
}

export const auditShowCommand: CliCommand = {
  name: 'audit show',
  usage: 'allmende audit show [--since SEQ] [--limit N] [--type PREFIX] [--dir DIR] [--json]',
  flags: AUDIT_FLAGS,
  examples: [
    'allmende audit show --limit 20 --dir ./kusel',
    'allmende audit show --type negotiation. --json --dir ./kusel',
  ],
  async run(args, io: CliIo) {
    const { values } = parseFlags('audit show', () => parseArgs({ args, options: AUDIT_FLAGS }))
    const since = wholeNumberFlag('audit show', 'since', values.since, 0)
    const limit = wholeNumberFlag('audit show', 'limit', values.limit, 100)
    const client = await clientFor(values.dir)
    const page = await client.get<AuditPage>(`/api/v1/audit?since=${since}&limit=${limit}`)
    const entries = page.entries.filter((e) => values.type === undefined || e.type.startsWith(values.type))
    if (values.json === true) {
      io.stdout(JSON.stringify({ ...page, entries }))
      return 0
    }
    const names = entries.length === 0 ? {} : await namesOf(client)
    io.stdout(
      entries.length === 0
        ? 'no audit entries in this range'
        : entries.map((entry) => auditLine(entry, names)).join('\n'),
    )
    if (page.next !== undefined) io.stdout(`more: allmende audit show --since ${page.next}`)
    return 0
  },
}
