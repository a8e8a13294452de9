import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { type OdrlOffer, validateOfferWithPolicyEngine } from '../../catalog/index.js'
// direct module imports until src/policy/index.ts exports these (see the helper report)
import { looksLikeJson, parseJsonText, parseTurtle } from '../../policy/graph.js'
import type { Lang } from '../../policy/labels.js'
import { issueMessage } from '../../policy/messages.js'
import { type ValidationResult, validatePolicy } from '../../policy/validate.js'
import { policyDocumentFromGraph } from '../../policy/validate-rdf.js'
import type { Issue } from '../../policy/validate-tree.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type CliIo, UsageError } from '../command.js'
import { JSON_FLAG, LANG_FLAG, parseFlags } from '../flags.js'
import { cliLang } from '../lang.js'

/** The one policy file a `policy` command takes (`-` for standard input). */
export function policyFileArgument(positionals: readonly string[]): string {
  const [file, ...rest] = positionals
  if (file === undefined) throw new UsageError('the policy file is required (use - for standard input)')
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
  return file
}

/**
 * Reads a policy file (`-` for standard input) as JSON-LD, or as Turtle when it does not look like
 * JSON, and returns it as a JSON-LD node for the validator and the explainer.
 *
 * @throws InvalidInputError when the file cannot be read, is not well-formed, or holds no policy
 *   (the CLI exits 2).
 */
export async function readPolicyDocument(path: string, io: CliIo): Promise<unknown> {
  let text: string
  if (path === '-') text = await io.readStdin()
  else {
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new InvalidInputError(
        `cannot read the policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      )
    }
  }
  if (looksLikeJson(text) || path.toLowerCase().endsWith('.json') || path.toLowerCase().endsWith('.jsonld')) {
    return parseJsonText(text, path === '-' ? 'standard input' : path)
  }
  const doc = policyDocumentFromGraph(parseTurtle(text))
  if (doc === undefined)
    throw new InvalidInputError(
      `${path} holds no ODRL policy (no node typed odrl:Set, odrl:Offer or odrl:Agreement)`,
    )
  return doc
}

/** One issue as a line: kind, path, code and the message in `lang`. */
export function formatIssue(kind: 'error' | 'warning', issue: Issue, lang: Lang): string {
  const word = lang === 'de' ? { error: 'Fehler', warning: 'Warnung' }[kind] : kind
  return `${word}  ${issue.path === '' ? '(policy)' : issue.path}  [${issue.code}]  ${issueMessage(issue.code, issue.params, lang)}`
}

/** The one-line summary after the issues. */
function summary(file: string, result: ValidationResult, lang: Lang): string {
  const e = result.errors.length
  const w = result.warnings.length
  if (lang === 'de') {
    return e === 0
      ? `${file}: gültig${w > 0 ? `, ${w} Warnung(en)` : ''}`
      : `${file}: ${e} Fehler, ${w} Warnung(en)`
  }
  return e === 0
    ? `${file}: valid${w > 0 ? `, ${w} warning(s)` : ''}`
    : `${file}: ${e} error(s), ${w} warning(s)`
}

/**
 * An Offer gets the checks the catalog applies when it is published (the same function), so an offer
 * that validates is publishable; any other policy gets the policy engine's checks.
 */
function validateForPublishing(doc: unknown, now: Date): ValidationResult {
  const type = (doc as { '@type'?: unknown } | null)?.['@type']
  const isOffer = [type].flat().some((t) => t === 'Offer' || t === 'odrl:Offer' || t === `${ODRL}Offer`)
  return isOffer ? validateOfferWithPolicyEngine(doc as OdrlOffer, now) : validatePolicy(doc, { now })
}

const ODRL = 'http://www.w3.org/ns/odrl/2/'

/**
 * `allmende policy validate FILE [--lang de|en] [--json]`: prints the policy's errors and
 * warnings, each with the path to the offending node, in German or English. Exit 1 when there are
 * errors, 0 otherwise (warnings alone pass). Rules that expired before now are warnings. An Offer is
 * checked as the catalog checks it on publish.
 */
export const policyValidateCommand: CliCommand = {
  name: 'policy validate',
  usage: 'allmende policy validate <file|-> [--lang de|en] [--json]',
  flags: { ...LANG_FLAG, ...JSON_FLAG },
  examples: [
    'allmende policy validate offer.jsonld',
    'allmende policy validate offer.jsonld --lang en --json',
  ],
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags('policy validate', () =>
      parseArgs({
        args,
        options: { ...LANG_FLAG, ...JSON_FLAG },
        strict: true,
        allowPositionals: true,
      }),
    )
    const file = policyFileArgument(parsed.positionals)
    const lang = cliLang(parsed.values.lang)
    const result = validateForPublishing(await readPolicyDocument(file, io), new Date())
    if (parsed.values.json === true) {
      const localized = (issues: readonly Issue[]) =>
        issues.map((i) => ({ ...i, message: issueMessage(i.code, i.params, lang) }))
      const out = {
        valid: result.errors.length === 0,
        errors: localized(result.errors),
        warnings: localized(result.warnings),
      }
      io.stdout(`${JSON.stringify(out, null, 2)}\n`)
    } else {
      const lines = [
        ...result.errors.map((e) => formatIssue('error', e, lang)),
        ...result.warnings.map((w) => formatIssue('warning', w, lang)),
        summary(file, result, lang),
      ]
      io.stdout(`${lines.join('\n')}\n`)
    }
    return result.errors.length === 0 ? 0 : 1
  },
}
