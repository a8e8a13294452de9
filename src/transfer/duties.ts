import type { AgreementRecord } from '../contract/index.js'
import { AllmendeError, InvalidInputError } from '../protocol/index.js'

const ODRL_NS = 'http://www.w3.org/ns/odrl/2/'
/** The profile's usage logging action (spec/odrl-profile.md §2). */
export const ALLMENDE_LOG_ACTION = 'https://w3id.org/allmende/odrl#log'

/** The usage duties a node tracks: delete after a period, inform the provider, log each use. */
export type DutyAction = 'delete' | 'inform' | 'log'

/**
 * The state of one duty: `pending` (ODRL report `notSet`: not yet due, or nothing known),
 * `fulfilled` (with evidence), `violated` (due time passed without evidence).
 */
export type DutyState = 'pending' | 'fulfilled' | 'violated'

/**
 * The duty state table: from each state, the states a duty may move to. Evidence of a performance
 * in time fulfils a duty, also one already marked violated (the consumer performed in time, its
 * message came late); evidence of a late performance leaves it violated. Nothing leaves fulfilled.
 */
export const DUTY_TRANSITIONS: Readonly<Record<DutyState, readonly DutyState[]>> = {
  pending: ['fulfilled', 'violated'],
  violated: ['fulfilled'],
  fulfilled: [],
}

/**
 * `record` moved to `to` with `changes`, checked against {@link DUTY_TRANSITIONS} (a violated duty
 * that stays violated takes the changes, its evidence say); a move the table does not allow is a
 * fault of this node, thrown as {@link DutyStateError}.
 */
export function moveDuty<R extends { readonly state: DutyState }>(
  record: R,
  to: DutyState,
  changes: Partial<R>,
): R {
  const stays = to === 'violated' && record.state === 'violated'
  if (!stays && !DUTY_TRANSITIONS[record.state].includes(to)) throw new DutyStateError(record.state, to)
  return { ...record, ...changes, state: to }
}

/** A duty was to move where its state table does not lead: a fault of this node. */
export class DutyStateError extends AllmendeError {
  static override name = 'DutyStateError'
  constructor(from: DutyState, to: DutyState) {
    super('ALLMENDE_DUTY_STATE', `a ${from} duty cannot become ${to}`)
  }
}

/** A duty of an agreement, read from its ODRL rules. */
export interface AgreementDuty {
  /** Stable within the agreement: the duty's `@id`/`uid`, else its place (`permission[0].duty[1]`). */
  readonly id: string
  readonly action: DutyAction
  /** The action as the agreement writes it (`delete`, `https://w3id.org/allmende/odrl#log`, ...). */
  readonly actionIri: string
  /** xsd:duration counted from receipt of the data (`delayPeriod`, `elapsedTime`). */
  readonly period?: string
  /** `at`: perform when the period ends (`delayPeriod eq`); `by`: at the latest then (`lteq`, `lt`). */
  readonly timing?: 'at' | 'by'
  /** Absolute deadline (`dateTime lteq`/`lt`), ISO 8601. */
  readonly deadline?: string
  /** `informedParty` of an inform duty; the assigner (provider) when none is named. */
  readonly informedParty?: string
}

/** A parsed xsd:duration: calendar parts and a fixed part in milliseconds. */
export interface XsdDuration {
  readonly years: number
  readonly months: number
  readonly days: number
  readonly milliseconds: number
}

const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

/** Parses a non-negative xsd:duration (`P30D`, `PT2S`, `P1Y2M`); throws {@link InvalidInputError}. */
export function parseXsdDuration(text: string): XsdDuration {
  const match = DURATION.exec(text)
  if (match === null || text === 'P' || text.endsWith('T')) {
    throw new InvalidInputError(`"${text}" is not an xsd:duration such as P30D or PT2S`)
  }
  const n = (i: number) => (match[i] === undefined ? 0 : Number(match[i]))
  return {
    years: n(1),
    months: n(2),
    days: n(3) * 7 + n(4),
    milliseconds: Math.round(((n(5) * 60 + n(6)) * 60 + n(7)) * 1000),
  }
}

/** `start` plus a duration, calendar parts in UTC (P1M after 31 January is 3 March, as Date does). */
export function addDuration(start: Date, duration: string | XsdDuration): Date {
  const d = typeof duration === 'string' ? parseXsdDuration(duration) : duration
  const out = new Date(start.getTime())
  if (d.years !== 0 || d.months !== 0) out.setUTCMonth(out.getUTCMonth() + d.years * 12 + d.months)
  if (d.days !== 0) out.setUTCDate(out.getUTCDate() + d.days)
  return new Date(out.getTime() + d.milliseconds)
}

/** When a duty is due for data received at `received`, or undefined when it has no time. */
export function dueOf(duty: AgreementDuty, received: Date): Date | undefined {
  const times: number[] = []
  if (duty.period !== undefined) times.push(addDuration(received, duty.period).getTime())
  if (duty.deadline !== undefined) times.push(Date.parse(duty.deadline))
  return times.length === 0 ? undefined : new Date(Math.min(...times))
}

/** The ODRL Agreement an agreement record carries (credential subject, or as the provider sent it). */
export function odrlAgreementOf(record: AgreementRecord): Record<string, unknown> | undefined {
  const subject = record.credential?.credentialSubject as { agreement?: unknown } | undefined
  const agreement = subject?.agreement ?? record.agreement
  return isObject(agreement) ? agreement : undefined
}

/**
 * The delete, inform and log duties of an agreement: permission duties and policy obligations, in
 * document order. Other duties (compensate, ...) are not tracked here. Time constraints on a duty
 * count from receipt of the data (spec/odrl-profile.md §3): `delayPeriod eq P30D` (at), `delayPeriod
 * lteq` or `elapsedTime lteq` (by), `dateTime lteq` (absolute). Throws {@link InvalidInputError}
 * for a time constraint whose value is not a duration or date.
 */
export function dutiesOf(record: AgreementRecord): AgreementDuty[] {
  const agreement = odrlAgreementOf(record)
  if (agreement === undefined) return []
  const assigner = idOf(agreement.assigner) ?? record.provider
  const found: AgreementDuty[] = []
  asArray(agreement.permission).forEach((permission, i) => {
    if (!isObject(permission)) return
    asArray(permission.duty).forEach((duty, j) => {
      const parsed = readDuty(duty, `permission[${i}].duty[${j}]`, assigner)
      if (parsed !== undefined) found.push(parsed)
    })
  })
  asArray(agreement.obligation).forEach((duty, k) => {
    const parsed = readDuty(duty, `obligation[${k}]`, assigner)
    if (parsed !== undefined) found.push(parsed)
  })
  return found
}

function readDuty(value: unknown, place: string, assigner: string): AgreementDuty | undefined {
  if (!isObject(value)) return undefined
  const actionIri = actionOf(value.action)
  const action = actionIri === undefined ? undefined : dutyActionOf(actionIri)
  if (actionIri === undefined || action === undefined) return undefined
  const id = idOf(value['@id']) ?? idOf(value.uid) ?? place
  let period: string | undefined
  let timing: 'at' | 'by' | undefined
  let deadline: string | undefined
  for (const constraint of atomicConstraints(value.constraint)) {
    const left = odrlLocal(idOf(constraint.leftOperand) ?? '')
    const operator = odrlLocal(idOf(constraint.operator) ?? '')
    const right = literalOf(constraint.rightOperand)
    if ((left === 'delayPeriod' || left === 'elapsedTime') && ['eq', 'lteq', 'lt'].includes(operator)) {
      if (right === undefined) throw new InvalidInputError(`the ${left} of duty ${id} has no value`)
      const duration = /^\d+$/.test(right) ? `PT${right}S` : right
      parseXsdDuration(duration)
      period = duration
      timing = left === 'delayPeriod' && operator === 'eq' ? 'at' : 'by'
    } else if (left === 'dateTime' && (operator === 'lteq' || operator === 'lt')) {
      if (right === undefined || Number.isNaN(Date.parse(right))) {
        throw new InvalidInputError(`the dateTime of duty ${id} is not a date: ${String(right)}`)
      }
      deadline = new Date(right).toISOString()
    }
  }
  const informed = idOf(value.informedParty)
  return {
    id,
    action,
    actionIri,
    ...(period === undefined ? {} : { period, timing: timing ?? 'by' }),
    ...(deadline === undefined ? {} : { deadline }),
    ...(action === 'inform' ? { informedParty: informed ?? assigner } : {}),
  }
}

function dutyActionOf(iri: string): DutyAction | undefined {
  if (iri === ALLMENDE_LOG_ACTION || iri === 'allmende:log' || iri === 'log') return 'log'
  const local = odrlLocal(iri)
  if (local === 'delete') return 'delete'
  if (local === 'inform' || local === 'notify') return 'inform'
  return undefined
}

/** `delete`, `odrl:delete` and the full ODRL IRI all read as `delete`. */
function odrlLocal(term: string): string {
  if (term.startsWith(ODRL_NS)) return term.slice(ODRL_NS.length)
  if (term.startsWith('odrl:')) return term.slice(5)
  return term
}

/** A refined action is `{ "rdf:value": {"@id": "delete"}, "refinement": [...] }`. */
function actionOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  if (isObject(first) && first['@id'] === undefined) {
    return idOf(
      first['rdf:value'] ?? first.value ?? first['http://www.w3.org/1999/02/22-rdf-syntax-ns#value'],
    )
  }
  return idOf(first)
}

function atomicConstraints(value: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const c of asArray(value)) {
    if (!isObject(c)) continue
    // An `and` of time constraints still times the duty; `or`/`xone` leave the choice to the consumer.
    if (c.and !== undefined) out.push(...atomicConstraints(c.and))
    else if (c.leftOperand !== undefined) out.push(c)
  }
  return out
}

function literalOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  if (typeof first === 'string') return first
  if (typeof first === 'number') return String(first)
  if (isObject(first)) {
    const v = first['@value'] ?? first['@id']
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  return undefined
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (isObject(value) && typeof value['@id'] === 'string') return value['@id']
  if (isObject(value) && typeof value.uid === 'string') return value.uid
  return undefined
}

function asArray(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
