/**
 * Policy templates: JSON-LD files in `policies/` (one per template, its name is the file name), each
 * an ODRL Offer with `{{placeholders}}`, German and English `title` and `description`, and a
 * `templateParameters` list saying each placeholder's type. {@link fillTemplate} checks and types
 * the values (dates, durations, counts, DIDs, purposes) and returns the filled policy.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AllmendeError, NotFoundError } from '../protocol/errors.js'
import { parseDuration } from './labels.js'
import { ALLMENDE_NS, type Bilingual, SECURITY_LEVELS } from './profile.js'
import { PURPOSE_WORDS, purposeIri } from './purpose-names.js'

/** Types a template parameter can have; values are checked and normalised per type. */
export type ParameterType =
  | 'date'
  | 'dateTime'
  | 'duration'
  | 'count'
  | 'decimal'
  | 'did'
  | 'iri'
  | 'string'
  | 'purpose'
  | 'securityLevel'

export interface TemplateParameter {
  readonly name: string
  readonly type: ParameterType
  readonly description: Bilingual
  /** Used when no value is given; `generate` (for `uid`) makes a fresh `urn:uuid:`. */
  readonly default?: string
}

export interface PolicyTemplate {
  /** File name without `.jsonld`, e.g. `flood-warning-only`. */
  readonly name: string
  readonly title: Bilingual
  readonly description: Bilingual
  readonly parameters: readonly TemplateParameter[]
  /** The template document as read (with placeholders and `templateParameters`). */
  readonly document: Readonly<Record<string, unknown>>
}

/** A template name that is not in the registry. */
export class TemplateNotFoundError extends NotFoundError {
  static override name = 'TemplateNotFoundError'
}

/** Parameter values do not fit the template: unknown, missing or of the wrong type. */
export class TemplateParameterError extends AllmendeError {
  static override name = 'TemplateParameterError'
  constructor(message: string) {
    super('ALLMENDE_POLICY_TEMPLATE_PARAMETER', message)
  }
}

/** A template file is broken (not JSON, no title, bad parameter list): a fault of the installation. */
export class TemplateFileError extends AllmendeError {
  static override name = 'TemplateFileError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_POLICY_TEMPLATE_FILE', message, { ...options, expose: false })
  }
}

const TYPES: ReadonlySet<string> = new Set([
  'date',
  'dateTime',
  'duration',
  'count',
  'decimal',
  'did',
  'iri',
  'string',
  'purpose',
  'securityLevel',
])

/** `policies/` of this installation: found by walking up from this file to `package.json`. */
export function defaultTemplateDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir)
      throw new TemplateFileError('Cannot find the package root (package.json) to locate policies/.')
    dir = up
  }
  return join(dir, 'policies')
}

/** Reads every `*.jsonld` template of `dir`, sorted by name. */
export function loadTemplates(dir: string = defaultTemplateDir()): PolicyTemplate[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonld'))
    .sort()
    .map((f) => readTemplate(join(dir, f), f.slice(0, -'.jsonld'.length)))
}

/** The template of that name. @throws TemplateNotFoundError listing the names there are. */
export function findTemplate(name: string, dir: string = defaultTemplateDir()): PolicyTemplate {
  const all = loadTemplates(dir)
  const found = all.find((t) => t.name === name)
  if (found === undefined) {
    throw new TemplateNotFoundError(
      `No policy template "${name}". Templates: ${all.map((t) => t.name).join(', ')}.`,
    )
  }
  return found
}

function bilingual(v: unknown): Bilingual | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const { de, en } = v as Record<string, unknown>
  return typeof de === 'string' && typeof en === 'string' ? { de, en } : undefined
}

function readTemplate(file: string, name: string): PolicyTemplate {
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new TemplateFileError(`Template ${file} is not readable JSON.`, { cause })
  }
  const d = doc as Record<string, unknown>
  const title = bilingual(d.title)
  const description = bilingual(d.description)
  if (title === undefined || description === undefined) {
    throw new TemplateFileError(`Template ${file} needs "title" and "description" with "de" and "en".`)
  }
  const raw = d.templateParameters
  if (!Array.isArray(raw)) throw new TemplateFileError(`Template ${file} needs a "templateParameters" list.`)
  const parameters = raw.map((p, i): TemplateParameter => {
    const q = p as Record<string, unknown>
    const desc = bilingual(q.description)
    if (
      typeof q.name !== 'string' ||
      typeof q.type !== 'string' ||
      !TYPES.has(q.type) ||
      desc === undefined
    ) {
      throw new TemplateFileError(
        `Template ${file}: templateParameters[${i}] needs name, a known type and description {de, en}.`,
      )
    }
    return {
      name: q.name,
      type: q.type as ParameterType,
      description: desc,
      ...(typeof q.default === 'string' && { default: q.default }),
    }
  })
  return { name, title, description, parameters, document: d }
}

/** `name (type, required)` or `name (type, default X)`, for messages and `policy templates`. */
export function describeParameter(p: TemplateParameter): string {
  return `${p.name} (${p.type}, ${p.default === undefined ? 'required' : `default ${p.default}`})`
}

function parameterList(t: PolicyTemplate): string {
  return t.parameters.map(describeParameter).join(', ')
}

/** Checks a value against its type and returns it normalised (full IRIs, numbers for counts). */
export function parameterValue(p: Pick<TemplateParameter, 'name' | 'type'>, value: string): string | number {
  const fail = (expected: string): never => {
    throw new TemplateParameterError(`Parameter ${p.name} must be ${expected}, got "${value}".`)
  }
  const v = value.trim()
  switch (p.type) {
    case 'date':
      if (
        !/^\d{4}-\d{2}-\d{2}$/.test(v) ||
        Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
        new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
      ) {
        fail('a date such as 2027-12-31')
      }
      return v
    case 'dateTime':
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) ||
        Number.isNaN(Date.parse(v))
      ) {
        fail('a date and time with offset such as 2027-12-31T23:59:59+01:00')
      }
      return v
    case 'duration':
      if (parseDuration(v) === undefined) fail('an ISO 8601 duration such as P30D, P6M or PT12H')
      return v
    case 'count':
      if (!/^\d+$/.test(v)) fail('a whole number such as 10')
      return Number(v)
    case 'decimal':
      if (!/^\d+(\.\d+)?$/.test(v)) fail('a decimal number such as 500.00')
      return v
    case 'did':
      if (!/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/.test(v)) fail('a DID such as did:web:kusel.de')
      return v
    case 'iri':
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(v))
        fail('an absolute IRI such as https://example.org/x or urn:x')
      return v
    case 'purpose': {
      return (
        purposeIri(v) ??
        fail(`a purpose: one of ${[...PURPOSE_WORDS.keys()].join(', ')}, a dpv:/allmende: name or an IRI`)
      )
    }
    case 'securityLevel': {
      const iri = SECURITY_LEVELS.find((l) => l === v || l === `${ALLMENDE_NS}${v}SecurityProfile`)
      return iri ?? fail('Base, Trust or TrustPlus')
    }
    default:
      if (v === '') fail('a non-empty text')
      return value
  }
}

export interface FillOptions {
  /** Makes the uid for `default: generate`; a `urn:uuid:` by default. */
  readonly newId?: () => string
}

/**
 * Fills a template with `name -> value` strings and returns the policy JSON-LD (without
 * `templateParameters`).
 *
 * @throws TemplateParameterError for an unknown or missing parameter or a value of the wrong
 *   type; the message lists the template's parameters.
 * @example
 * ```ts
 * const policy = fillTemplate(findTemplate('n-times-usage'), {
 *   assigner: 'did:web:kusel.de', target: 'urn:allmende:dataset:pegel', count: '10',
 * })
 * ```
 */
export function fillTemplate(
  template: PolicyTemplate,
  values: Readonly<Record<string, string>>,
  options: FillOptions = {},
): Record<string, unknown> {
  const known = new Set(template.parameters.map((p) => p.name))
  const unknown = Object.keys(values).filter((k) => !known.has(k))
  if (unknown.length > 0) {
    throw new TemplateParameterError(
      `Template ${template.name} has no parameter ${unknown.join(', ')}. Parameters: ${parameterList(template)}.`,
    )
  }
  const missing = template.parameters.filter((p) => values[p.name] === undefined && p.default === undefined)
  if (missing.length > 0) {
    throw new TemplateParameterError(
      `Template ${template.name} needs ${missing.map((p) => `${p.name} (${p.type})`).join(', ')}. Parameters: ${parameterList(template)}.`,
    )
  }
  const filled = new Map<string, string | number>()
  for (const p of template.parameters) {
    const given = values[p.name]
    if (given === undefined && p.default === 'generate') {
      filled.set(p.name, (options.newId ?? (() => `urn:uuid:${randomUUID()}`))())
    } else {
      filled.set(p.name, parameterValue(p, given ?? (p.default as string)))
    }
  }
  const { templateParameters: _omit, ...doc } = template.document
  return substitute(doc, filled) as Record<string, unknown>
}

/** Replaces `{{name}}`: a whole-string placeholder takes the typed value, others are spliced in. */
function substitute(v: unknown, values: ReadonlyMap<string, string | number>): unknown {
  if (typeof v === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(v)
    if (whole !== null) {
      const value = values.get(whole[1] as string)
      if (value === undefined) throw new TemplateFileError(`Placeholder ${v} has no parameter.`)
      return value
    }
    return v.replace(/\{\{(\w+)\}\}/g, (m, name: string) => {
      const value = values.get(name)
      if (value === undefined) throw new TemplateFileError(`Placeholder ${m} has no parameter.`)
      return String(value)
    })
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, values))
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, values)]))
  }
  return v
}

/** Parses `key=value` arguments (`--set until=2027-12-31`). @throws TemplateParameterError */
export function parseParameterAssignments(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new TemplateParameterError(`Expected key=value, got "${item}".`)
    out[item.slice(0, eq).trim()] = item.slice(eq + 1)
  }
  return out
}
