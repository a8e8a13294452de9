import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
// direct module imports until src/policy/index.ts exports these (see the helper report)
import { looksLikeJson, parseJsonText, parseTurtle } from '../../policy/graph.js'
import { validatePolicy } from '../../policy/validate.js'
import { policyDocumentFromGraph } from '../../policy/validate-rdf.js'
import type { Issue } from '../../policy/validate-tree.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type CliIo, UsageError } from '../command.js'
import { JSON_FLAG } from '../flags.js'

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
    return parseJsonText(text)
  }
  const doc = policyDocumentFromGraph(parseTurtle(text))
  if (doc === undefined)
    throw new InvalidInputError(
      `${path} holds no ODRL policy (no node typed odrl:Set, odrl:Offer or odrl:Agreement)`,
    )
  return doc
}

function formatIssue(kind: 'error' | 'warning', issue: Issue): string {
  return `${kind}  ${issue.path === '' ? '(policy)' : issue.path}  [${issue.code}]  ${issue.message}`
}

/**
 * `allmende policy validate FILE [--json]`: prints the policy's errors and warnings, each with the
 * path to the offending node. Exit 1 when there are errors, 0 otherwise (warnings alone pass).
 */
export const policyValidateCommand: CliCommand = {
  name: 'policy validate',
  usage: 'allmende policy validate <file|-> [--json]',
  flags: JSON_FLAG,
  examples: ['allmende policy validate offer.jsonld'],
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed: { values: { json?: boolean }; positionals: string[] }
    try {
      parsed = parseArgs({
        args,
        options: JSON_FLAG,
        strict: true,
        allowPositionals: true,
      })
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    const [file, ...rest] = parsed.positionals
    if (file === undefined) throw new UsageError('the policy file is required (use - for standard input)')
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
    const result = validatePolicy(await readPolicyDocument(file, io))
    if (parsed.values.json === true) {
      io.stdout(`${JSON.stringify({ valid: result.errors.length === 0, ...result }, null, 2)}\n`)
    } else {
      const lines = [
        ...result.errors.map((e) => formatIssue('error', e)),
        ...result.warnings.map((w) => formatIssue('warning', w)),
      ]
      lines.push(
        result.errors.length === 0
          ? `${file}: valid${result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : ''}`
          : `${file}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)`,
      )
      io.stdout(`${lines.join('\n')}\n`)
    }
    return result.errors.length === 0 ? 0 : 1
  },
}
