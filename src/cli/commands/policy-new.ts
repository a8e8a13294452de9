import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
// direct module imports until src/policy/index.ts exports these (see the helper report)
import {
  describeParameter,
  fillTemplate,
  findTemplate,
  loadTemplates,
  parseParameterAssignments,
} from '../../policy/templates.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { parseFlags } from '../flags.js'
import { cliLang } from '../lang.js'

const NEW_FLAGS = {
  set: {
    type: 'string',
    multiple: true,
    value: 'KEY=VALUE',
    fallback: "the template's defaults",
    help: "a template parameter (repeatable); 'allmende policy templates --verbose' lists them",
  },
  out: { type: 'string', value: 'FILE', fallback: 'standard output', help: 'where to write the policy' },
} as const satisfies FlagDocs

/**
 * `allmende policy new TEMPLATE --set key=value ... [--out FILE]`: fills a policy template and
 * prints the JSON-LD (or writes it to FILE). Unknown, missing or mistyped parameters are reported
 * with the template's parameter list (exit 2).
 */
export const policyNewCommand: CliCommand = {
  name: 'policy new',
  usage: 'allmende policy new <template> --set key=value [--set key=value ...] [--out <file>]',
  flags: NEW_FLAGS,
  examples: [
    'allmende policy new flood-warning-only --set assigner=did:key:z6Mk… --set assignee=did:key:z6Mk… --out offer.jsonld',
  ],
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags('policy new', () =>
      parseArgs({
        args,
        options: NEW_FLAGS,
        strict: true,
        allowPositionals: true,
      }),
    )
    const [name, ...rest] = parsed.positionals
    if (name === undefined)
      throw new UsageError('the template name is required; `allmende policy templates` lists them')
    if (rest.length > 0)
      throw new UsageError(`unexpected arguments: ${rest.join(' ')} (parameters go after --set)`)
    const policy = fillTemplate(findTemplate(name), parseParameterAssignments(parsed.values.set ?? []))
    const text = `${JSON.stringify(policy, null, 2)}\n`
    if (parsed.values.out === undefined) io.stdout(text)
    else {
      try {
        await writeFile(parsed.values.out, text, 'utf8')
      } catch (error) {
        throw new InvalidInputError(
          `cannot write ${parsed.values.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        )
      }
      io.stderr(`wrote ${parsed.values.out}`)
    }
    return 0
  },
}

const TEMPLATES_FLAGS = {
  lang: { type: 'string', value: 'de|en', fallback: 'de', help: 'language of titles and descriptions' },
  verbose: { type: 'boolean', help: "also show each template's description and parameters" },
} as const satisfies FlagDocs

/** `allmende policy templates [--lang de|en] [--verbose]`: lists the templates with their titles (and parameters). */
export const policyTemplatesCommand: CliCommand = {
  name: 'policy templates',
  usage: 'allmende policy templates [--lang de|en] [--verbose]',
  flags: TEMPLATES_FLAGS,
  examples: ['allmende policy templates --verbose --lang en'],
  async run(args: string[], io: CliIo): Promise<number> {
    const values = parseFlags(
      'policy templates',
      () =>
        parseArgs({
          args,
          options: TEMPLATES_FLAGS,
          strict: true,
          allowPositionals: false,
        }).values,
    )
    const lang = cliLang(values.lang)
    const templates = loadTemplates()
    const width = Math.max(...templates.map((t) => t.name.length))
    const lines = templates.flatMap((t) => {
      const head = `${t.name.padEnd(width)}  ${t.title[lang]}`
      if (values.verbose !== true) return [head]
      return [
        head,
        `${' '.repeat(width + 2)}${t.description[lang]}`,
        ...t.parameters.map((p) => `${' '.repeat(width + 4)}${describeParameter(p)}: ${p.description[lang]}`),
      ]
    })
    io.stdout(`${lines.join('\n')}\n`)
    return 0
  },
}
