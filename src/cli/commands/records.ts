import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import type { AuditEntry, AuditPage } from '../../audit/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { AgreementRecord, Negotiation } from '../../contract/index.js'
import type { TransferProcessRecord } from '../../transfer/index.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
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
  row: (record: T) => readonly string[]
  empty: string
}): CliCommand {
  return {
    name: spec.name,
    usage: `allmende ${spec.name} [--dir DIR] [--json]`,
    flags: NODE_FLAGS,
    examples: [spec.example],
    async run(args, io) {
      const { values } = parseFlags(spec.name, () => parseArgs({ args, options: NODE_FLAGS }))
      const answer = await (await clientFor(values.dir)).get<Record<string, T[]>>(spec.path)
      const records = answer[spec.key] ?? []
      io.stdout(
        values.json === true
          ? JSON.stringify(records)
          : table(spec.header, records.map(spec.row), spec.empty),
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
      const record = await (await clientFor(values.dir)).get<unknown>(
        `${spec.path}/${encodeURIComponent(id)}`,
      )
      io.stdout(values.json === true ? JSON.stringify(record) : JSON.stringify(record, null, 2))
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
  row: (n) => [
    n.id,
    n.role,
    n.state,
    n.datasetId,
    n.counterparty,
    n.awaitingApproval ?? lastReason(n.history),
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
  row: (a) => [a.id, a.role, a.datasetId, a.provider, a.consumer, a.concluded],
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
  header: ['ID', 'ROLE', 'STATE', 'BYTES', 'AGREEMENT', 'NOTE'],
  row: (t) => [
    t.id,
    t.role,
    t.state,
    String(t.received ?? t.bytes ?? 0),
    t.agreementId,
    lastReason(t.history),
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

function count(command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value)) throw new UsageError(`${command}: --${flag} takes a whole number, got "${value}"`)
  return Number(value)
}

function auditLine(entry: AuditEntry): string {
  const data = JSON.stringify(entry.data)
  return `${String(entry.seq).padStart(6)}  ${entry.time}  ${entry.type.padEnd(24)}  ${entry.subject}  ${data.length > 120 ? `${data.slice(0, 119)}…` : data}`
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
    const since = count('audit show', 'since', values.since, 0)
    const limit = count('audit show', 'limit', values.limit, 100)
    const page = await (await clientFor(values.dir)).get<AuditPage>(
      `/api/v1/audit?since=${since}&limit=${limit}`,
    )
    const entries = page.entries.filter((e) => values.type === undefined || e.type.startsWith(values.type))
    if (values.json === true) {
      io.stdout(JSON.stringify({ ...page, entries }))
      return 0
    }
    io.stdout(entries.length === 0 ? 'no audit entries in this range' : entries.map(auditLine).join('\n'))
    if (page.next !== undefined) io.stdout(`more: allmende audit show --since ${page.next}`)
    return 0
  },
}
