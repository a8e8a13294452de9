import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  compileParsedPolicy,
  decisionSummary,
  graphOf,
  parsePolicy,
  reportToJsonLd,
  reportToTurtle,
  requestFromGraph,
  worldFromGraph,
} from '../../policy/index.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { parseFlags } from '../flags.js'

const FORMATS = ['turtle', 'jsonld', 'json'] as const
type Format = (typeof FORMATS)[number]

async function readInput(
  path: string,
  io: CliIo,
  what: string,
): Promise<{ text: string; format: 'turtle' | 'jsonld' | undefined }> {
  if (path === '-') return { text: await io.readStdin(), format: undefined }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new InvalidInputError(
      `cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  const lower = path.toLowerCase()
  const format =
    lower.endsWith('.ttl') || lower.endsWith('.nt')
      ? 'turtle'
      : lower.endsWith('.jsonld') || lower.endsWith('.json')
        ? 'jsonld'
        : undefined
  return { text, format }
}

const FLAGS = {
  policy: {
    type: 'string',
    value: 'FILE|-',
    required: true,
    help: 'the ODRL policy (Turtle or JSON-LD; - = stdin)',
  },
  request: { type: 'string', value: 'FILE|-', required: true, help: 'the ODRL request' },
  state: { type: 'string', value: 'FILE|-', fallback: 'none (no facts)', help: 'the state of the world' },
  format: {
    type: 'string',
    value: 'turtle|jsonld|json',
    fallback: 'turtle',
    help: 'report format; json is a short summary',
  },
} as const satisfies FlagDocs

/**
 * `allmende policy evaluate --policy P --request R [--state S] [--format turtle|jsonld|json]`:
 * evaluates an ODRL request against a policy in a state of the world and prints the compliance
 * report (Turtle by default) or the decision summary (`json`). Exit 0 whenever it evaluated.
 */
export const policyEvaluateCommand: CliCommand = {
  name: 'policy evaluate',
  usage:
    'allmende policy evaluate --policy <file|-> --request <file|-> [--state <file|->] [--format turtle|jsonld|json]',
  flags: FLAGS,
  examples: [
    'allmende policy evaluate --policy policy.ttl --request request.ttl --state world.ttl --format json',
  ],
  async run(args: string[], io: CliIo): Promise<number> {
    const values = parseFlags(
      'policy evaluate',
      () =>
        parseArgs({
          args,
          options: FLAGS,
          strict: true,
          allowPositionals: false,
        }).values,
    )
    if (values.policy === undefined) throw new UsageError('--policy is required')
    if (values.request === undefined) throw new UsageError('--request is required')
    const format = (values.format ?? 'turtle') as Format
    if (!FORMATS.includes(format))
      throw new UsageError(`--format must be turtle, jsonld or json, not ${values.format}`)
    const stdinUses = [values.policy, values.request, values.state].filter((v) => v === '-').length
    if (stdinUses > 1)
      throw new UsageError('only one of --policy, --request, --state can be read from stdin (-)')

    const p = await readInput(values.policy, io, 'policy')
    const r = await readInput(values.request, io, 'request')
    const s = values.state === undefined ? undefined : await readInput(values.state, io, 'state of the world')

    const policy = await parsePolicy(p.text, { format: p.format })
    const request = requestFromGraph(await graphOf(r.text, r.format))
    const world = s === undefined ? {} : worldFromGraph(await graphOf(s.text, s.format))
    const result = compileParsedPolicy(policy).evaluate(request, world)
    if (format === 'json') io.stdout(`${JSON.stringify(decisionSummary(result))}\n`)
    else if (format === 'jsonld') io.stdout(`${JSON.stringify(reportToJsonLd(result), null, 2)}\n`)
    else io.stdout(reportToTurtle(result))
    return 0
  },
}
