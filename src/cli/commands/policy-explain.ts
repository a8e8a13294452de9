import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
// direct module imports until src/policy/index.ts exports these (see the helper report)
import { explainPolicy, type LabelMap } from '../../policy/explain.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { readPolicyDocument } from './policy-validate.js'

async function readLabels(path: string): Promise<LabelMap> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new InvalidInputError(`cannot read the label map ${path}: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      `the label map ${path} must be a JSON object: {"did:web:kusel.de": "Landkreis Kusel", ...}`,
    )
  }
  return value as LabelMap
}

const FLAGS = {
  lang: { type: 'string', value: 'de|en', fallback: 'de', help: 'language of the explanation' },
  labels: {
    type: 'string',
    value: 'FILE',
    fallback: 'the IRIs and DIDs themselves',
    help: 'JSON object mapping IRIs or DIDs to names ({"did:key:…": "Landkreis Kusel"})',
  },
} as const satisfies FlagDocs

/**
 * `allmende policy explain FILE [--lang de|en] [--labels FILE]`: prints the policy as plain
 * sentences. `--labels` is a JSON object mapping IRIs or DIDs to a label or to `{de, en, gender}`.
 */
export const policyExplainCommand: CliCommand = {
  name: 'policy explain',
  usage: 'allmende policy explain <file|-> [--lang de|en] [--labels <labels.json>]',
  flags: FLAGS,
  examples: ['allmende policy explain offer.jsonld --lang en'],
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed: { values: { lang?: string; labels?: string }; positionals: string[] }
    try {
      parsed = parseArgs({
        args,
        options: FLAGS,
        strict: true,
        allowPositionals: true,
      })
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    const [file, ...rest] = parsed.positionals
    if (file === undefined) throw new UsageError('the policy file is required (use - for standard input)')
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
    const lang = parsed.values.lang ?? 'de'
    if (lang !== 'de' && lang !== 'en') throw new UsageError(`--lang must be de or en, not ${lang}`)
    const labels = parsed.values.labels === undefined ? undefined : await readLabels(parsed.values.labels)
    const doc = await readPolicyDocument(file, io)
    const explanation = explainPolicy(doc, { lang, ...(labels !== undefined && { labels }) })
    io.stdout(`${explanation.text}\n`)
    return 0
  },
}
