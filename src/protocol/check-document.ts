import type { ErrorObject } from 'ajv/dist/2019.js'
import { InvalidMessageError, type MessageIssue } from './dsp-errors.js'
import { type DspSchemaName, dspValidator } from './schemas.js'

const MAX_ISSUES_IN_MESSAGE = 3

/** `/offer/permission/0` → `offer.permission[0]`; `''` → `the message`. */
function pathInWords(pointer: string): string {
  if (pointer === '') return 'the message'
  let out = ''
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (/^\d+$/.test(segment)) out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

function isTypeOnly(schema: unknown): schema is { type: string } {
  if (typeof schema !== 'object' || schema === null) return false
  const keys = Object.keys(schema)
  return keys.length === 1 && typeof (schema as { type?: unknown }).type === 'string'
}

function isRequiredOnly(schema: unknown): schema is { required: [string] } {
  if (typeof schema !== 'object' || schema === null) return false
  const keys = Object.keys(schema)
  const required = (schema as { required?: unknown }).required
  return keys.length === 1 && Array.isArray(required) && required.length === 1
}

/** A failed `oneOf`/`anyOf` whose branches are plain alternatives that one sentence can say. */
function summariseAlternatives(error: ErrorObject): string | undefined {
  const { keyword, schema, params } = error
  if ((keyword !== 'oneOf' && keyword !== 'anyOf') || !Array.isArray(schema)) return undefined
  if (schema.every(isRequiredOnly)) {
    const names = schema.map((branch) => `'${branch.required[0]}'`).join(', ')
    const passing = (params as { passingSchemas?: unknown }).passingSchemas
    if (keyword === 'oneOf' && Array.isArray(passing)) return `must have only one of ${names}, not several`
    return `must have ${keyword === 'oneOf' ? 'exactly' : 'at least'} one of ${names}`
  }
  if (schema.every(isTypeOnly)) {
    const types = schema.map((branch) => branch.type)
    return `must be ${types.slice(0, -1).join(', ')} or ${types.at(-1)}`
  }
  return undefined
}

// The xsd:dateTime pattern of the contract schema; its regex means nothing to a reader.
const DATE_TIME_PATTERN_START = '-?([1-9][0-9]{3,}|0[0-9]{3})-'

function problemOf(error: ErrorObject): string {
  const { keyword, schema, params } = error
  if (keyword === 'not' && isRequiredOnly(schema)) return `must not have property '${schema.required[0]}'`
  if (keyword === 'const')
    return `must be ${JSON.stringify((params as { allowedValue: unknown }).allowedValue)}`
  if (keyword === 'enum') {
    const allowed = (params as { allowedValues: unknown[] }).allowedValues
    return `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`
  }
  if (keyword === 'required')
    return `must have property '${(params as { missingProperty: string }).missingProperty}'`
  if (keyword === 'pattern' && typeof schema === 'string' && schema.startsWith(DATE_TIME_PATTERN_START)) {
    return 'must be an xsd:dateTime such as 2025-01-31T12:00:00Z'
  }
  if (keyword === 'contains') {
    const wanted = (error.parentSchema as { contains?: { const?: unknown } } | undefined)?.contains?.const
    if (wanted !== undefined) return `must contain ${JSON.stringify(wanted)}`
  }
  return error.message ?? 'is invalid'
}

function isUnder(pointer: string, parent: string): boolean {
  return pointer === parent || pointer.startsWith(`${parent}/`)
}

/**
 * Turns ajv's errors into issues a person can act on: the branches of a `oneOf` between required
 * properties or between types fold into one sentence, as do the item errors of a `contains`;
 * `not required` reads as "must not have"; constants and enums name their allowed values; a
 * generic "must match a schema in oneOf" is dropped when a more specific issue explains it.
 */
function toIssues(errors: readonly ErrorObject[]): MessageIssue[] {
  // A folded combinator swallows the errors of its own branches: same data, schema path below it.
  const folds: { pointer: string; schemaPath: string }[] = []
  for (const error of errors) {
    if (summariseAlternatives(error) !== undefined || error.keyword === 'contains') {
      folds.push({ pointer: error.instancePath, schemaPath: `${error.schemaPath}/` })
    }
  }
  const issues: MessageIssue[] = []
  const generic: MessageIssue[] = []
  for (const error of errors) {
    const swallowed = folds.some(
      (fold) => isUnder(error.instancePath, fold.pointer) && error.schemaPath.startsWith(fold.schemaPath),
    )
    if (swallowed) continue
    const summary = summariseAlternatives(error)
    const issue = {
      pointer: error.instancePath,
      path: pathInWords(error.instancePath),
      problem: summary ?? problemOf(error),
    }
    const isGeneric = summary === undefined && ['oneOf', 'anyOf', 'allOf', 'if'].includes(error.keyword)
    ;(isGeneric ? generic : issues).push(issue)
  }
  for (const issue of generic) {
    if (!issues.some((specific) => isUnder(specific.pointer, issue.pointer))) issues.push(issue)
  }
  // Deepest spot first: that is where the sender went wrong.
  const seen = new Set<string>()
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => depth(b.issue.pointer) - depth(a.issue.pointer) || a.index - b.index)
    .map(({ issue }) => issue)
    .filter((issue) => {
      const key = `${issue.pointer}\u0000${issue.problem}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1
}

/**
 * Checks `value` against the DSP 2025-1 JSON Schema of `type` and returns it (the same object,
 * unchanged). Throws `InvalidMessageError` whose message names the failing spots in words,
 * e.g. `ContractRequestMessage is invalid: offer.permission[0] must have property 'action'`.
 */
export function checkDocument(type: DspSchemaName, value: unknown): unknown {
  const validate = dspValidator(type)
  if (validate(value)) return value
  const issues = toIssues(validate.errors ?? [])
  const shown = issues
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => `${issue.path} ${issue.problem}`)
    .join('; ')
  const more =
    issues.length > MAX_ISSUES_IN_MESSAGE ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : ''
  throw new InvalidMessageError(`${type} is invalid: ${shown}${more}`, { issues })
}
