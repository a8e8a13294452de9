import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import { downloadPath } from '../../config/download-folder.js'
import { readNodeConfig } from '../../config/node-config.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/node-directory.js'
import type { TransferProcessRecord } from '../../transfer/index.js'
import { ordinalCompare } from '../../util/ordinal-compare.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { TransferProgress } from '../progress.js'
import { pollUntil, timeoutMs } from '../waiting.js'

/** Longest pause between two looks at a running transfer (progress stays lively). */
const MAX_POLL_MS = 500

const FLAGS = {
  ...NODE_FLAGS,
  agreement: {
    type: 'string',
    value: 'ID',
    required: true,
    help: 'the finalized agreement to fetch the data of',
  },
  out: {
    type: 'string',
    value: 'FILE',
    required: true,
    help: 'file in the download folder to write the data to (a relative path is taken from there)',
  },
  resume: { type: 'boolean', help: "continue an interrupted transfer at the file's length" },
  timeout: { type: 'string', value: 'SECONDS', fallback: '3600', help: 'how long to wait for the end' },
} as const satisfies FlagDocs

type TransferView = TransferProcessRecord & { received?: number }

async function sha256Of(path: string): Promise<string | undefined> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  } catch {
    return undefined
  }
  return hash.digest('hex')
}

/**
 * `allmende transfer`: the node (consumer) pulls the data of an agreement into `--out` (a path in the
 * node's download folder; relative paths are taken from there); the command
 * starts or resumes the transfer through the node's API, waits for its end, and checks the file's
 * SHA-256 against the hash both parties signed.
 */
export const transferCommand: CliCommand = {
  name: 'transfer',
  usage: 'allmende transfer --agreement ID --out FILE [--resume] [--timeout SECONDS] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: [
    'allmende transfer --agreement urn:uuid:… --out ./pegel.ndjson --dir ./myk',
    'allmende transfer --agreement urn:uuid:… --out ./pegel.ndjson --resume --json --dir ./myk',
  ],
  async run(args, io) {
    const { values } = parseFlags('transfer', () => parseArgs({ args, options: FLAGS }))
    if (values.agreement === undefined) throw new UsageError('transfer: --agreement ID is required')
    if (values.out === undefined) throw new UsageError('transfer: --out FILE is required')
    const waitMs = timeoutMs('transfer', values.timeout, 3600)
    const directory = nodeDirectory(values.dir ?? DEFAULT_NODE_DIR)
    // The node writes only into its download folder: the same rule, checked here first.
    const out = await downloadPath(directory, await readNodeConfig(directory.configFile), values.out)
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    let transfer: TransferProcessRecord | undefined
    if (values.resume === true) {
      // Continue this file's unfinished transfer if the node still runs one; else start anew after its length.
      const { transfers } = await client.get<{ transfers: TransferProcessRecord[] }>('/api/v1/transfers')
      transfer = transfers
        .filter(
          (t) =>
            t.role === 'consumer' &&
            t.agreementId === values.agreement &&
            t.out === out &&
            t.state !== 'COMPLETED' &&
            t.state !== 'TERMINATED',
        )
        .sort((a, b) => ordinalCompare(b.created, a.created))[0]
      if (transfer?.state === 'SUSPENDED') {
        transfer = await client.post<TransferProcessRecord>(
          `/api/v1/transfers/${encodeURIComponent(transfer.id)}/resume`,
          {},
        )
      }
    }
    transfer ??= await client.post<TransferProcessRecord>('/api/v1/transfers', {
      agreement: values.agreement,
      out,
      resume: values.resume === true,
    })
    const progress = TransferProgress.for(io, values.json === true)
    const path = `/api/v1/transfers/${encodeURIComponent(transfer.id)}`
    const waited = await pollUntil<TransferView>(
      transfer,
      () => client.get<TransferView>(path),
      (t) => t.state === 'COMPLETED' || t.state === 'TERMINATED',
      {
        timeoutMs: waitMs,
        maxPollMs: MAX_POLL_MS,
        onPoll: (t) => progress.update({ transfer: t.id, state: t.state, bytes: t.received ?? t.bytes ?? 0 }),
      },
    )
    progress.end()
    transfer = waited.value
    const again = `allmende transfer --agreement ${values.agreement} --out ${values.out} --resume${values.dir === undefined ? '' : ` --dir ${values.dir}`}`
    if (waited.kind === 'interrupted') {
      // Ctrl-C: hold the transfer on the node (it would run on without this command) and say how to go on.
      const held = await client
        .post<TransferView>(`${path}/suspend`, { reason: 'stopped by the operator (Ctrl-C)' })
        .catch(() => client.get<TransferView>(path))
      const bytes = held.received ?? held.bytes ?? 0
      if (values.json === true)
        io.stdout(JSON.stringify({ transfer: held.id, state: held.state, bytes, interrupted: true }))
      else if (held.state === 'SUSPENDED')
        io.stdout(`Suspended transfer ${held.id} after ${bytes} bytes; continue with: ${again}`)
      else io.stdout(`Stopped waiting; transfer ${held.id} is ${held.state}`)
      return 130
    }
    const fileHash = transfer.state === 'COMPLETED' ? await sha256Of(out) : undefined
    const matches = fileHash !== undefined && fileHash === transfer.sha256
    const last = transfer.history.at(-1)
    const summary = {
      transfer: transfer.id,
      state: transfer.state,
      out,
      bytes: transfer.bytes ?? null,
      sha256: transfer.sha256 ?? null,
      ...(transfer.state === 'TERMINATED' ? { code: last?.code, reason: last?.reason } : {}),
      ...(transfer.state === 'COMPLETED' && !matches ? { fileSha256: fileHash ?? null } : {}),
    }
    if (values.json === true) io.stdout(JSON.stringify(summary))
    else if (transfer.state === 'COMPLETED' && matches)
      io.stdout(`Received ${transfer.bytes} bytes into ${out} (SHA-256 ${transfer.sha256})`)
    else if (transfer.state === 'COMPLETED')
      io.stdout(`Completed, but ${out} no longer matches the signed hash ${transfer.sha256}`)
    else if (transfer.state === 'TERMINATED')
      io.stdout(`Failed: ${last?.reason ?? 'no reason given'} (${last?.code ?? ''})`)
    else
      io.stdout(`Transfer ${transfer.id} is still ${transfer.state} on the node; wait again with: ${again}`)
    return transfer.state === 'COMPLETED' && matches ? 0 : 1
  },
}
