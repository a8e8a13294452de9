import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR } from '../../config/index.js'
import type { TransferProcessRecord } from '../../transfer/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/** How often the command asks the node how the transfer stands. */
const POLL_MS = 100

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
 * `allmende transfer`: the node (consumer) pulls the data of an agreement into `--out`; the command
 * starts or resumes the transfer through the node's API, waits for its end, and checks the file's
 * SHA-256 against the hash both parties signed.
 */
export const transferCommand: CliCommand = {
  name: 'transfer',
  summary: 'fetch the data of a finalized agreement into a file (resumable)',
  usage: 'allmende transfer --agreement ID --out FILE [--resume] [--timeout SECONDS] [--dir DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags('transfer', () =>
      parseArgs({
        args,
        options: {
          ...NODE_FLAGS,
          agreement: { type: 'string' },
          out: { type: 'string' },
          resume: { type: 'boolean' },
          timeout: { type: 'string' },
        },
      }),
    )
    if (values.agreement === undefined) throw new UsageError('transfer: --agreement ID is required')
    if (values.out === undefined) throw new UsageError('transfer: --out FILE is required')
    const timeoutSeconds = values.timeout === undefined ? 3600 : Number(values.timeout)
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new UsageError('transfer: --timeout takes a positive number of seconds')
    }
    const out = resolve(values.out)
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
        .sort((a, b) => b.created.localeCompare(a.created))[0]
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
    const deadline = Date.now() + timeoutSeconds * 1000
    while (transfer.state !== 'COMPLETED' && transfer.state !== 'TERMINATED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS))
      transfer = await client.get<TransferProcessRecord>(
        `/api/v1/transfers/${encodeURIComponent(transfer.id)}`,
      )
    }
    const fileHash = transfer.state === 'COMPLETED' ? await sha256Of(out) : undefined
    const matches = fileHash !== undefined && fileHash === transfer.sha256
    const last = transfer.history.at(-1)
    const summary = {
      transfer: transfer.id,
      state: transfer.state,
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
    else io.stdout(`Transfer ${transfer.id} is still ${transfer.state}; continue with --resume`)
    return transfer.state === 'COMPLETED' && matches ? 0 : 1
  },
}
