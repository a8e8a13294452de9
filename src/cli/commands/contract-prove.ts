import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import type { AgreementRecord } from '../../contract/index.js'
import { presentAgreement } from '../../credentials/index.js'
import { loadNodeKey } from '../../identity/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { NodeClient } from '../node-client.js'

export const contractProveCommand: CliCommand = {
  name: 'contract prove',
  summary: "present an agreement for a verifier's challenge (verifiable offline)",
  usage: 'allmende contract prove AGREEMENT_ID --challenge C [--domain D] --out FILE [--dir DIR] [--json]',
  async run(args, io) {
    const { values, positionals } = parseFlags('contract prove', () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...NODE_FLAGS,
          challenge: { type: 'string' },
          domain: { type: 'string' },
          out: { type: 'string' },
        },
      }),
    )
    const id = positionals[0]
    if (id === undefined) throw new UsageError('contract prove: give the agreement id')
    if (values.challenge === undefined)
      throw new UsageError("contract prove: --challenge (the verifier's nonce) is required")
    if (values.out === undefined) throw new UsageError('contract prove: --out FILE is required')
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await NodeClient.forDirectory(dir)
    const agreement = await client.get<AgreementRecord>(`/api/v1/agreements/${encodeURIComponent(id)}`)
    const key = await loadNodeKey(nodeDirectory(dir).keyFile)
    const presentation = await presentAgreement(agreement.credential, key, {
      challenge: values.challenge,
      ...(values.domain === undefined ? {} : { domain: values.domain }),
    })
    await writeFile(values.out, `${JSON.stringify(presentation, null, 2)}\n`)
    io.stdout(
      values.json === true
        ? JSON.stringify({ presentation: values.out, agreement: id })
        : `Wrote ${values.out}`,
    )
    return 0
  },
}
