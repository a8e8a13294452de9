import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/index.js'
import type { Negotiation } from '../../contract/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { NodeClient } from '../node-client.js'

const WAIT_TIMEOUT_MS = 60_000

export const negotiateCommand: CliCommand = {
  name: 'negotiate',
  summary: 'negotiate a contract for a dataset of another member',
  usage:
    'allmende negotiate (--provider DID | --provider-url URL) --dataset ID [--offer ID] [--purpose NAME|IRI] [--wait] [--dir DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags('negotiate', () =>
      parseArgs({
        args,
        options: {
          ...NODE_FLAGS,
          provider: { type: 'string' },
          'provider-url': { type: 'string' },
          dataset: { type: 'string' },
          offer: { type: 'string' },
          purpose: { type: 'string' },
          wait: { type: 'boolean' },
        },
      }),
    )
    const providerUrl = values['provider-url']
    if (values.provider === undefined && providerUrl === undefined) {
      throw new UsageError(
        'negotiate: --provider DID (a member over libp2p) or --provider-url URL (a DSP connector over HTTPS) is required',
      )
    }
    if (values.provider !== undefined && providerUrl !== undefined) {
      throw new UsageError('negotiate: give --provider or --provider-url, not both')
    }
    if (values.dataset === undefined) throw new UsageError('negotiate: --dataset ID is required')
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    let negotiation = await client.post<Negotiation>('/api/v1/negotiations', {
      ...(providerUrl === undefined ? { provider: values.provider } : { providerUrl }),
      dataset: values.dataset,
      ...(values.offer === undefined ? {} : { offer: values.offer }),
      ...(values.purpose === undefined ? {} : { purpose: values.purpose }),
    })
    if (values.wait === true) {
      const deadline = Date.now() + WAIT_TIMEOUT_MS
      while (!['FINALIZED', 'TERMINATED'].includes(negotiation.state) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
        negotiation = await client.get<Negotiation>(
          `/api/v1/negotiations/${encodeURIComponent(negotiation.id)}`,
        )
      }
    }
    const last = negotiation.history.at(-1)
    const summary = {
      negotiation: negotiation.id,
      state: negotiation.state,
      agreement: negotiation.state === 'FINALIZED' ? (negotiation.agreementId ?? null) : null,
      ...(negotiation.state === 'TERMINATED' ? { code: last?.code, reason: last?.reason } : {}),
    }
    if (values.json === true) io.stdout(JSON.stringify(summary))
    else if (negotiation.state === 'FINALIZED')
      io.stdout(`Agreed: ${summary.agreement} (negotiation ${negotiation.id})`)
    else if (negotiation.state === 'TERMINATED')
      io.stdout(`Refused: ${last?.reason ?? 'no reason given'} (${last?.code ?? ''})`)
    else io.stdout(`Negotiation ${negotiation.id} is ${negotiation.state}`)
    if (values.wait === true) return negotiation.state === 'FINALIZED' ? 0 : 1
    return negotiation.state === 'TERMINATED' ? 1 : 0
  },
}
