import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { PartyName } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
// direct module imports until src/policy/index.ts exports these (see the helper report)
import { InvalidPolicyError } from '../../policy/errors.js'
import { explainPolicy, type LabelMap } from '../../policy/explain.js'
import { issueMessage } from '../../policy/messages.js'
import { validatePolicy } from '../../policy/validate.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { parseJsonWithPosition } from '../../util/json-syntax.js'
import type { CliCommand, CliIo, FlagDocs } from '../command.js'
import { LANG_FLAG, parseFlags } from '../flags.js'
import { cliLang } from '../lang.js'
import { policyFileArgument, readPolicyDocument } from './policy-validate.js'

async function readLabels(path: string): Promise<LabelMap> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new InvalidInputError(`cannot read the label map ${path}: ${(error as Error).message}`)
  }
  const value = parseJsonWithPosition(
    text,
    (sentence) => new InvalidInputError(`the label map ${path} is ${sentence}`),
  )
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      `the label map ${path} must be a JSON object: {"did:web:kusel.de": "Landkreis Kusel", ...}`,
    )
  }
  return value as LabelMap
}

const FLAGS = {
  ...LANG_FLAG,
  labels: {
    type: 'string',
    value: 'FILE',
    fallback: 'the IRIs and DIDs themselves',
    help: 'JSON object mapping IRIs or DIDs to names ({"did:key:…": "Landkreis Kusel"})',
  },
  dir: {
    type: 'string',
    value: 'DIR',
    fallback: 'none',
    help: 'a running node whose known parties name the DIDs (its own name, membership credentials, peers)',
  },
} as const satisfies FlagDocs

/** The names a running node knows, as labels (a `--labels` file wins over them). */
async function nodeLabels(dir: string): Promise<LabelMap> {
  const client = await NodeClient.forDirectory(dir)
  const { names } = await client.get<{ names: Record<string, PartyName> }>('/api/v1/names')
  return Object.fromEntries(Object.entries(names).map(([did, party]) => [did, party.name]))
}

/**
 * `allmende policy explain FILE [--lang de|en] [--labels FILE] [--dir DIR]`: prints the policy as plain
 * sentences; a policy with validator errors is refused (exit 2) with the validator's messages.
 * `--labels` is a JSON object mapping IRIs or DIDs to a label or to `{de, en, gender}`; `--dir` takes the
 * municipalities' names a running node knows.
 */
export const policyExplainCommand: CliCommand = {
  name: 'policy explain',
  usage: 'allmende policy explain <file|-> [--lang de|en] [--labels <labels.json>] [--dir DIR]',
  flags: FLAGS,
  examples: [
    'allmende policy explain offer.jsonld --lang en',
    'allmende policy explain offer.jsonld --lang de --dir ./kusel',
  ],
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags('policy explain', () =>
      parseArgs({
        args,
        options: FLAGS,
        strict: true,
        allowPositionals: true,
      }),
    )
    const file = policyFileArgument(parsed.positionals)
    const lang = cliLang(parsed.values.lang)
    const labels = {
      ...(parsed.values.dir === undefined ? {} : await nodeLabels(parsed.values.dir)),
      ...(parsed.values.labels === undefined ? {} : await readLabels(parsed.values.labels)),
    }
    const doc = await readPolicyDocument(file, io)
    // a policy with errors has no meaning to explain: an unknown operator must not become a sentence
    const { errors } = validatePolicy(doc)
    if (errors.length > 0) {
      const list = errors.map(
        (e) => `${e.path === '' ? '(policy)' : e.path}: ${issueMessage(e.code, e.params, lang)}`,
      )
      const head =
        lang === 'de' ? `${file} ist ungültig, keine Erklärung` : `${file} is invalid, nothing explained`
      throw new InvalidPolicyError(`${head}: ${list.join(' | ')}`, errors)
    }
    const explanation = explainPolicy(doc, { lang, labels })
    io.stdout(`${explanation.text}\n`)
    return 0
  },
}
