import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { Negotiation } from '../../contract/index.js'
import { parseParameterAssignments } from '../../policy/index.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { pollUntil, timeoutMs } from '../waiting.js'

/** After this long without an answer the command says what it is waiting for. */
const QUIET_MS = 3000
const ENDED = new Set(['FINALIZED', 'TERMINATED'])

const FLAGS = {
  ...NODE_FLAGS,
  provider: { type: 'string', value: 'DID', fallback: 'none', help: 'the providing member (over libp2p)' },
  'provider-url': {
    type: 'string',
    value: 'URL',
    fallback: 'none',
    help: 'a DSP connector over HTTPS instead of --provider',
  },
  dataset: { type: 'string', value: 'ID', required: true, help: 'the dataset id from the catalog' },
  offer: {
    type: 'string',
    value: 'ID',
    fallback: "the dataset's first offer",
    help: 'which offer to accept',
  },
  purpose: {
    type: 'string',
    value: 'NAME|IRI',
    fallback: 'none',
    help: 'the declared purpose of use: a short name (FloodWarning, dpv:AcademicResearch) or an IRI; `allmende catalog` lists what each offer allows',
  },
  declare: {
    type: 'string',
    multiple: true,
    value: 'FACT=VALUE',
    fallback: 'none',
    help: 'what this node declares about itself, recorded in the agreement (repeatable): role=allmende:DataSteward, spatial=IRI of the place of use, securityLevel=Base|Trust|TrustPlus',
  },
  wait: { type: 'boolean', help: 'wait until the contract is FINALIZED or TERMINATED' },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    fallback: '300',
    help: 'with --wait: how long to wait (offers with manual approval wait for a data officer)',
  },
} as const satisfies FlagDocs

function summaryOf(negotiation: Negotiation) {
  const last = negotiation.history.at(-1)
  return {
    negotiation: negotiation.id,
    state: negotiation.state,
    agreement: negotiation.state === 'FINALIZED' ? (negotiation.agreementId ?? null) : null,
    ...(negotiation.state === 'TERMINATED' ? { code: last?.code, reason: last?.reason } : {}),
  }
}

/** Tells once, on stderr (or as a JSON event), that the provider has not answered yet. */
function quietNotice(io: CliIo, json: boolean, waitMs: number) {
  let told = false
  return (negotiation: Negotiation, elapsedMs: number) => {
    if (told || elapsedMs < QUIET_MS || negotiation.state !== 'REQUESTED') return
    told = true
    const seconds = Math.round(waitMs / 1000)
    if (json) {
      io.stderr(
        JSON.stringify({
          event: 'waiting',
          negotiation: negotiation.id,
          state: negotiation.state,
          timeoutSeconds: seconds,
        }),
      )
    } else {
      io.stderr(
        `Waiting for the provider's answer (up to ${seconds} s). If its offer needs a data officer's approval, ` +
          'this lasts until someone approves it there. Ctrl-C stops waiting; the request stays open.',
      )
    }
  }
}

export const negotiateCommand: CliCommand = {
  name: 'negotiate',
  usage:
    'allmende negotiate (--provider DID | --provider-url URL) --dataset ID [--purpose NAME|IRI] [--declare FACT=VALUE …] [--wait [--timeout SECONDS]]',
  flags: FLAGS,
  examples: [
    'allmende negotiate --provider did:key:z6Mk… --dataset urn:uuid:… --purpose FloodWarning --wait --dir ./myk',
  ],
  async run(args, io) {
    const { values } = parseFlags('negotiate', () => parseArgs({ args, options: FLAGS }))
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
    if (values.timeout !== undefined && values.wait !== true) {
      throw new UsageError('negotiate: --timeout only applies with --wait')
    }
    const waitMs = timeoutMs('negotiate', values.timeout, 300)
    const json = values.json === true
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    let negotiation = await client.post<Negotiation>('/api/v1/negotiations', {
      ...(providerUrl === undefined ? { provider: values.provider } : { providerUrl }),
      dataset: values.dataset,
      ...(values.offer === undefined ? {} : { offer: values.offer }),
      ...(values.purpose === undefined ? {} : { purpose: values.purpose }),
      ...(values.declare === undefined ? {} : { declare: parseParameterAssignments(values.declare) }),
    })
    let outcome: 'done' | 'timeout' | 'interrupted' = 'done'
    if (values.wait === true) {
      const waited = await pollUntil(
        negotiation,
        () => client.get<Negotiation>(`/api/v1/negotiations/${encodeURIComponent(negotiation.id)}`),
        (n) => ENDED.has(n.state),
        { timeoutMs: waitMs, onPoll: quietNotice(io, json, waitMs) },
      )
      negotiation = waited.value
      outcome = waited.kind
    }
    const summary = summaryOf(negotiation)
    const last = negotiation.history.at(-1)
    const show = `allmende negotiations show ${negotiation.id}`
    if (json) io.stdout(JSON.stringify(outcome === 'done' ? summary : { ...summary, waiting: outcome }))
    else if (negotiation.state === 'FINALIZED')
      io.stdout(`Agreed: ${summary.agreement} (negotiation ${negotiation.id})`)
    else if (negotiation.state === 'TERMINATED')
      io.stdout(`Refused: ${last?.reason ?? 'no reason given'} (${last?.code ?? ''})`)
    else if (outcome === 'timeout')
      io.stdout(
        `No answer within ${Math.round(waitMs / 1000)} s; negotiation ${negotiation.id} stays ${negotiation.state} ` +
          `on the node and may still be approved. Follow it with: ${show}`,
      )
    else if (outcome === 'interrupted')
      io.stdout(
        `Stopped waiting; negotiation ${negotiation.id} continues on the node (${negotiation.state}): ${show}`,
      )
    else io.stdout(`Negotiation ${negotiation.id} is ${negotiation.state}; follow it with: ${show}`)
    if (outcome === 'interrupted') return 130
    if (values.wait === true) return negotiation.state === 'FINALIZED' ? 0 : 1
    return negotiation.state === 'TERMINATED' ? 1 : 0
  },
}
