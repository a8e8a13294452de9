/**
 * Typed values of left and right operands and how they compare: dateTimes as instants, durations
 * (xsd:duration) as seconds, numbers (any XSD numeric type, decimals included), IRIs and strings.
 */
import { literal } from './graph.js'
import type { Iri, Term } from './model.js'
import { SECURITY_LEVELS } from './profile.js'
import { type ValueKind, XSD_NS } from './vocabulary.js'

/** A left operand value as the caller gives it: an IRI (string), number, boolean, Date, or an RDF term. */
export type WorldValue = string | number | boolean | Date | Term

/** A comparable value. `kind`: t = instant (ms), d = duration (s), n = number, i = IRI, s = string, b = boolean. */
export interface Value {
  readonly kind: 't' | 'd' | 'n' | 'i' | 's' | 'b'
  readonly num: number
  readonly str: string
  /** The RDF term the value came from, or one made for it (for the report). */
  readonly term: Term
}

const NUMERIC = new Set(
  [
    'integer',
    'decimal',
    'double',
    'float',
    'int',
    'long',
    'short',
    'byte',
    'nonNegativeInteger',
    'positiveInteger',
    'negativeInteger',
    'nonPositiveInteger',
    'unsignedInt',
    'unsignedLong',
    'unsignedShort',
    'unsignedByte',
  ].map((t) => XSD_NS + t),
)
const TIME = new Set(['dateTime', 'date', 'dateTimeStamp'].map((t) => XSD_NS + t))
const DURATION = new Set(['duration', 'dayTimeDuration', 'yearMonthDuration'].map((t) => XSD_NS + t))

const DURATION_RE =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

/**
 * Seconds of an xsd:duration. Years count 365 days and months 30 days: xsd:duration has no exact
 * order between months and days, and this is the usual approximation for usage periods.
 */
export function durationSeconds(text: string): number {
  const m = DURATION_RE.exec(text.trim())
  if (m === null || text.trim() === 'P' || text.trim().endsWith('T')) return Number.NaN
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]))
  const s =
    n(2) * 365 * 86400 + n(3) * 30 * 86400 + n(4) * 7 * 86400 + n(5) * 86400 + n(6) * 3600 + n(7) * 60 + n(8)
  return m[1] === '-' ? -s : s
}

const HAS_ZONE = /(Z|[+-]\d{2}:\d{2})$/

/**
 * Milliseconds of an xsd:dateTime or xsd:date. A dateTime without a time zone is read as UTC, so
 * that the result does not depend on the time zone of the process (the engine is pure).
 */
export function instantOf(text: string): number {
  const t = text.trim()
  return Date.parse(t.includes('T') && !HAS_ZONE.test(t) ? `${t}Z` : t)
}

function make(kind: Value['kind'], num: number, str: string, term: Term): Value {
  return { kind, num, str, term }
}

/** The value of an RDF term, read as `datatype` when given (odrl:dataType) or the term's own type. */
export function valueOfTerm(term: Term, datatype?: Iri, hint?: ValueKind): Value {
  if (term.termType !== 'Literal') return make('i', Number.NaN, term.value, term)
  const type = datatype ?? term.datatype ?? `${XSD_NS}string`
  if (TIME.has(type)) {
    const t = instantOf(term.value)
    return make(Number.isNaN(t) ? 's' : 't', t, term.value, term)
  }
  if (DURATION.has(type)) return make('d', durationSeconds(term.value), term.value, term)
  if (NUMERIC.has(type)) return make('n', Number(term.value), term.value, term)
  if (type === `${XSD_NS}boolean`)
    return make('b', term.value === 'true' || term.value === '1' ? 1 : 0, term.value, term)
  // untyped text: read it as the left operand expects
  if (hint === 'dateTime') {
    const t = instantOf(term.value)
    if (!Number.isNaN(t)) return make('t', t, term.value, term)
  } else if (hint === 'duration') {
    const d = durationSeconds(term.value)
    if (!Number.isNaN(d)) return make('d', d, term.value, term)
  } else if (hint === 'number' && term.value.trim() !== '' && !Number.isNaN(Number(term.value))) {
    return make('n', Number(term.value), term.value, term)
  }
  return make('s', Number.NaN, term.value, term)
}

/** The value of a typed-API world value, read as the left operand expects. */
export function valueOfWorld(value: WorldValue, hint: ValueKind | undefined): Value {
  // terms (and lexical forms) are only needed for reports: made on first use, not on every decision
  if (value instanceof Date) return new LazyValue('t', value.getTime(), value, `${XSD_NS}dateTime`)
  if (typeof value === 'number') {
    if (hint === 'duration') return new LazyValue('d', value, value, `${XSD_NS}duration`)
    return new LazyValue('n', value, value, XSD_NS + (Number.isInteger(value) ? 'integer' : 'decimal'))
  }
  if (typeof value === 'boolean')
    return make('b', value ? 1 : 0, String(value), literal(String(value), `${XSD_NS}boolean`))
  if (typeof value === 'string') {
    if (hint === 'dateTime') {
      const t = instantOf(value)
      if (!Number.isNaN(t)) return make('t', t, value, literal(value, `${XSD_NS}dateTime`))
    }
    if (hint === 'duration' && value.startsWith('P')) {
      return make('d', durationSeconds(value), value, literal(value, `${XSD_NS}duration`))
    }
    if (hint === 'number' && value.trim() !== '' && !Number.isNaN(Number(value))) {
      return make('n', Number(value), value, literal(value, `${XSD_NS}decimal`))
    }
    if (hint === 'string') return make('s', Number.NaN, value, literal(value))
    return make('i', Number.NaN, value, { termType: 'NamedNode', value })
  }
  return valueOfTerm(value, undefined, hint)
}

const ORDERED = new Set(['t', 'd', 'n'])

/**
 * Compares two values: negative, zero or positive; `NaN` when they cannot be ordered (different
 * kinds, or text that is not equal under `eq` semantics). Strings order with numeric awareness
 * ("1.10" after "1.9"), which suits versions.
 */
export function compareValues(a: Value, b: Value): number {
  if (a.kind === b.kind && ORDERED.has(a.kind)) return a.num - b.num
  if (a.kind === 'n' && b.kind === 'd') return a.num - b.num // a bare number of seconds against a duration
  if (a.kind === 'd' && b.kind === 'n') return a.num - b.num
  if ((a.kind === 's' || a.kind === 'i') && (b.kind === 's' || b.kind === 'i')) {
    if (a.kind !== b.kind) return a.str === b.str ? 0 : Number.NaN
    // Security profiles order as the profile lists them (TrustPlus above Trust), not by spelling.
    const ranks = [SECURITY_LEVELS.indexOf(a.str), SECURITY_LEVELS.indexOf(b.str)]
    if (a.kind === 'i' && ranks[0]! >= 0 && ranks[1]! >= 0) return ranks[0]! - ranks[1]!
    return a.str === b.str ? 0 : a.str.localeCompare(b.str, 'en', { numeric: true }) || Number.NaN
  }
  if (a.kind === 'b' && b.kind === 'b') return a.num - b.num
  return Number.NaN
}

/** Equality of two values (`eq`, the set operators): like `compareValues(a, b) === 0`, only faster. */
export function equalValues(a: Value, b: Value): boolean {
  const ka = a.kind
  const kb = b.kind
  if (ka === 'i' || ka === 's') return (kb === 'i' || kb === 's') && a.str === b.str
  if (ka === kb) return a.num === b.num
  return (ka === 'n' && kb === 'd') || (ka === 'd' && kb === 'n') ? a.num === b.num : false
}

/** A world value whose RDF term is made only when a report needs it. */
class LazyValue implements Value {
  private made: Term | undefined
  constructor(
    readonly kind: Value['kind'],
    readonly num: number,
    private readonly raw: string | number | Date,
    private readonly datatype: string | undefined,
  ) {}
  get str(): string {
    return this.raw instanceof Date ? this.raw.toISOString() : String(this.raw)
  }
  get term(): Term {
    if (this.made === undefined) {
      const lexical = this.kind === 'd' && typeof this.raw === 'number' ? `PT${this.raw}S` : this.str
      this.made =
        this.datatype === undefined
          ? { termType: 'NamedNode', value: lexical }
          : literal(lexical, this.datatype)
    }
    return this.made
  }
}
