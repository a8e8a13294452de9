/**
 * Validates an ODRL policy as written (JSON-LD), reporting each problem with the path to the node
 * that causes it. Errors make a policy unusable: broken structure, unknown terms, values of the
 * wrong kind, missing parties. Warnings flag policies that are well-formed but cannot do what their
 * author meant: constraints that can never hold together, permissions a prohibition always
 * overrides (or voids), and duties nobody can fulfil.
 */

import { parseDuration } from './labels.js'
import type { IssueParams } from './messages.js'
import {
  ALLMENDE_NS,
  ALLMENDE_PROFILE,
  isPurposeA,
  PROFILE_ACTIONS,
  PROFILE_LEFT_OPERANDS,
  type ProfileLeftOperand,
  PURPOSE_BY_IRI,
} from './profile.js'
import {
  type Issue,
  makeIssue,
  type PolicyTree,
  readPolicyTree,
  type TreeAction,
  type TreeAtomicConstraint,
  type TreeConstraint,
  type TreeNode,
  type TreeRule,
  type TreeValue,
} from './validate-tree.js'
import { ACTION_ANCESTORS, actionCovers, LEFT_OPERANDS, ODRL_NS, type ValueKind } from './vocabulary.js'

/** What {@link validatePolicy} returns; a policy is usable iff `errors` is empty. */
export interface ValidationResult {
  readonly errors: readonly Issue[]
  readonly warnings: readonly Issue[]
}

/** What the validator may know besides the policy. */
export interface ValidateOptions {
  /** The present moment: with it, rules whose dateTime window has closed are warned about. */
  readonly now?: Date
}

/**
 * Validates a policy given as parsed JSON-LD (the value of `JSON.parse`). Never throws for bad
 * input; every problem is an {@link Issue} with a path such as `permission[0].constraint[1].rightOperand`.
 * Pure: the caller passes `now` to have expired rules reported.
 *
 * @example
 * ```ts
 * const { errors, warnings } = validatePolicy(JSON.parse(text), { now: new Date() })
 * for (const e of errors) console.log(`${e.path}: ${issueMessage(e.code, e.params, 'de')}`)
 * ```
 */
export function validatePolicy(doc: unknown, options: ValidateOptions = {}): ValidationResult {
  const read = readPolicyTree(doc)
  const errors: Issue[] = [...read.errors]
  const warnings: Issue[] = []
  if (read.tree !== undefined) new Checker(read.tree, errors, warnings, options.now).run()
  return { errors, warnings }
}

/** A left operand's value kind: ODRL's table, the profile's, or undefined when unknown. */
function operandInfo(
  iri: string,
): { kind: ValueKind | 'orderedIri'; profile?: ProfileLeftOperand } | undefined {
  if (iri.startsWith(ODRL_NS)) {
    const kind = LEFT_OPERANDS[iri.slice(ODRL_NS.length)]
    return kind === undefined ? undefined : { kind }
  }
  const profile = PROFILE_LEFT_OPERANDS.find((o) => o.iri === iri)
  if (profile === undefined) return undefined
  return { kind: profile.value === 'orderedIri' ? 'orderedIri' : profile.value, profile }
}

const ORDER_OPERATORS = new Set(['lt', 'lteq', 'gt', 'gteq'])
const SINGLE_VALUE_OPERATORS = new Set([
  'eq',
  'neq',
  'lt',
  'lteq',
  'gt',
  'gteq',
  'isA',
  'isPartOf',
  'hasPart',
])

const DATE_RE = /^-?\d{4,}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/

/** Does rule action `broad` cover `narrow`? ODRL's hierarchy, plus the profile's actions under `use`. */
function covers(broad: string, narrow: string): boolean {
  if (actionCovers(broad, narrow)) return true
  return broad === `${ODRL_NS}use` && PROFILE_ACTIONS.has(narrow)
}

function isKnownAction(iri: string): boolean {
  return ACTION_ANCESTORS.has(iri) || PROFILE_ACTIONS.has(iri)
}

function local(iri: string): string {
  if (iri.startsWith(ODRL_NS)) return iri.slice(ODRL_NS.length)
  if (iri.startsWith(ALLMENDE_NS)) return `allmende:${iri.slice(ALLMENDE_NS.length)}`
  return iri
}

/** A rule with policy-level actions, targets and parties filled in (IM §2.6). */
interface Effective {
  readonly rule: TreeRule
  readonly actions: readonly string[]
  readonly targets: readonly string[]
  readonly assignees: readonly string[]
}

class Checker {
  private readonly usesProfile: boolean
  private readonly foreignProfiles: readonly string[]

  constructor(
    private readonly tree: PolicyTree,
    private readonly errors: Issue[],
    private readonly warnings: Issue[],
    private readonly now: Date | undefined,
  ) {
    this.usesProfile = tree.profiles.includes(ALLMENDE_PROFILE)
    this.foreignProfiles = tree.profiles.filter((p) => p !== ALLMENDE_PROFILE)
  }

  private error(path: string, code: string, params: IssueParams = {}): void {
    this.errors.push(makeIssue(path, code, params))
  }

  private warn(path: string, code: string, params: IssueParams = {}): void {
    this.warnings.push(makeIssue(path, code, params))
  }

  run(): void {
    const t = this.tree
    for (const p of this.foreignProfiles) {
      this.warn('profile', 'unknown-profile', { profile: p })
    }
    for (const a of t.actions) this.checkAction(a)
    for (const n of [...t.targets, ...[...t.parties.values()].flat()])
      this.checkConstraints(n.refinement, 'refinement')
    const all = this.allRules()
    for (const r of all) this.checkRule(r)
    this.checkParties(all)
    this.checkShadowing()
    this.checkDuties()
  }

  private allRules(): TreeRule[] {
    const out: TreeRule[] = []
    const walk = (r: TreeRule) => {
      out.push(r)
      for (const c of r.children) walk(c)
    }
    for (const r of [...this.tree.permissions, ...this.tree.prohibitions, ...this.tree.obligations]) walk(r)
    return out
  }

  private checkRule(r: TreeRule): void {
    if (r.actions.length === 0 && this.tree.actions.length === 0) {
      this.error(r.path, 'missing-action', { role: r.role })
    }
    for (const a of r.actions) this.checkAction(a)
    for (const n of [...r.targets, ...[...r.parties.values()].flat()])
      this.checkConstraints(n.refinement, 'refinement')
    this.checkConstraints(r.constraints, 'constraint')
    this.checkCounts(r)
    if (r.role === 'permission') this.checkExpiry(r)
    const own = this.unsatisfiable(r.constraints)
    if (own !== undefined) {
      const isDuty =
        r.role === 'duty' || r.role === 'obligation' || r.role === 'remedy' || r.role === 'consequence'
      this.warn(own.path, isDuty ? 'unfulfillable-duty' : 'unsatisfiable-constraint', {
        ...own.params,
        role: r.role,
      })
    }
  }

  /** `count` is the number of this use, 1 for the first: an upper bound below 1 never holds. */
  private checkCounts(r: TreeRule): void {
    for (const c of conjunction(r.constraints)) {
      if (c.leftOperand !== `${ODRL_NS}count` || c.rightOperand.length !== 1) continue
      const n = numeric('number', c.rightOperand[0] as TreeValue)
      if (n === undefined) continue
      const never =
        (c.operator === 'lt' && n <= 1) || ((c.operator === 'lteq' || c.operator === 'eq') && n < 1)
      if (never) {
        this.warn(c.path, 'impossible-count', {
          operator: c.operator as string,
          value: (c.rightOperand[0] as TreeValue).value,
          role: r.role,
        })
      }
    }
  }

  /** A permission whose dateTime window closed before now is dead weight in an offer. */
  private checkExpiry(r: TreeRule): void {
    if (this.now === undefined) return
    const now = this.now.getTime()
    for (const c of conjunction(r.constraints)) {
      if (c.leftOperand !== `${ODRL_NS}dateTime` || c.rightOperand.length !== 1) continue
      if (c.operator !== 'lt' && c.operator !== 'lteq' && c.operator !== 'eq') continue
      const v = c.rightOperand[0] as TreeValue
      const at = numeric('dateTime', v)
      if (at === undefined) continue
      // a date without time as the last day (`lteq 2027-12-31`) lasts until that day's end
      const end = c.operator !== 'lt' && !v.value.includes('T') ? at + 86_399_999 : at
      if (end < now) {
        this.warn(c.path, 'expired', { role: r.role, operator: c.operator, end: v.value })
        return
      }
    }
  }

  private checkAction(a: TreeAction): void {
    if (PROFILE_ACTIONS.has(a.iri) && !this.usesProfile) {
      this.undeclaredProfile(a.path, a.iri)
    } else if (!isKnownAction(a.iri)) {
      if (a.iri.startsWith(ALLMENDE_NS) && !this.usesProfile) {
        this.undeclaredProfile(a.path, a.iri)
      } else if (
        a.iri.startsWith(ODRL_NS) ||
        a.iri.startsWith(ALLMENDE_NS) ||
        this.foreignProfiles.length === 0
      ) {
        this.error(a.path, 'unknown-action', { action: local(a.iri), profileDeclared: this.usesProfile })
      }
    }
    this.checkConstraints(a.refinement, 'refinement')
    const bad = this.unsatisfiable(a.refinement)
    if (bad !== undefined) this.warn(bad.path, 'unsatisfiable-constraint', { ...bad.params, role: 'action' })
  }

  private undeclaredProfile(path: string, iri: string): void {
    this.error(path, 'undeclared-profile', { term: local(iri), profile: ALLMENDE_PROFILE })
  }

  private checkConstraints(cs: readonly TreeConstraint[], what: string): void {
    for (const c of cs) {
      if (c.kind === 'logical') {
        this.checkConstraints(c.members, what)
        continue
      }
      this.checkAtomic(c)
    }
  }

  private checkAtomic(c: TreeAtomicConstraint): void {
    if (c.leftOperand === undefined) return
    const info = operandInfo(c.leftOperand)
    if (info === undefined) {
      if (c.leftOperand.startsWith(ALLMENDE_NS) && !this.usesProfile) {
        this.undeclaredProfile(`${c.path}.leftOperand`, c.leftOperand)
      } else if (
        c.leftOperand.startsWith(ODRL_NS) ||
        c.leftOperand.startsWith(ALLMENDE_NS) ||
        this.foreignProfiles.length === 0
      ) {
        this.error(`${c.path}.leftOperand`, 'unknown-left-operand', {
          operand: local(c.leftOperand),
          profileDeclared: this.usesProfile,
          profile: ALLMENDE_PROFILE,
        })
      }
      return
    }
    if (info.profile !== undefined && !this.usesProfile) {
      this.undeclaredProfile(`${c.path}.leftOperand`, c.leftOperand)
    }
    const op = c.operator
    if (op === undefined) return
    const name = local(c.leftOperand)
    const ordered =
      info.kind === 'dateTime' ||
      info.kind === 'duration' ||
      info.kind === 'number' ||
      info.kind === 'orderedIri'
    if (info.profile !== undefined && !info.profile.operators.includes(op)) {
      this.error(`${c.path}.operator`, 'operator-mismatch', {
        operand: name,
        operator: op,
        allowed: info.profile.operators,
      })
    } else if (ORDER_OPERATORS.has(op) && !ordered) {
      this.error(`${c.path}.operator`, 'operator-mismatch', { operand: name, operator: op })
    } else if (
      (op === 'isA' || op === 'isPartOf' || op === 'hasPart' || op === 'isAllOf') &&
      ordered &&
      info.kind !== 'orderedIri'
    ) {
      this.error(`${c.path}.operator`, 'operator-mismatch', { operand: name, operator: op, kind: info.kind })
    }
    if (SINGLE_VALUE_OPERATORS.has(op) && c.rightOperand.length > 1) {
      this.error(`${c.path}.rightOperand`, 'too-many-values', { operator: op, count: c.rightOperand.length })
    }
    for (const v of c.rightOperand) this.checkValue(name, info, v)
  }

  private checkValue(
    name: string,
    info: { kind: ValueKind | 'orderedIri'; profile?: ProfileLeftOperand },
    v: TreeValue,
  ): void {
    const bad = (expected: string, values?: readonly string[]) =>
      this.error(v.path, 'bad-right-operand', {
        operand: name,
        expected,
        value: JSON.stringify(v.value),
        ...(values !== undefined && { values }),
      })
    switch (info.kind) {
      case 'dateTime':
        if (v.kind !== 'literal' || !DATE_RE.test(v.value) || Number.isNaN(Date.parse(v.value))) bad('date')
        break
      case 'duration':
        if (v.kind !== 'literal' || parseDuration(v.value) === undefined) bad('duration')
        break
      case 'number': {
        const n = Number(v.value)
        if (v.kind !== 'literal' || v.value.trim() === '' || !Number.isFinite(n)) bad('number')
        else if (name === 'count' && (!Number.isInteger(n) || n < 0)) bad('count')
        else if (name === 'percentage' && (n < 0 || n > 100)) bad('percentage')
        break
      }
      default:
        if (info.profile?.values !== undefined && !info.profile.values.includes(v.value)) {
          bad('one-of', info.profile.values.map(local))
        }
    }
  }

  /**
   * Finds two constraints of an implicit `and` (nested `and` included) that cannot both hold.
   * `or`/`xone` members are alternatives and are not combined.
   */
  private unsatisfiable(cs: readonly TreeConstraint[]): { path: string; params: IssueParams } | undefined {
    const atoms = conjunction(cs)
    const byOperand = new Map<string, TreeAtomicConstraint[]>()
    for (const a of atoms) {
      if (a.leftOperand === undefined || a.operator === undefined || a.rightOperandReference !== undefined)
        continue
      byOperand.set(a.leftOperand, [...(byOperand.get(a.leftOperand) ?? []), a])
    }
    for (const [lo, group] of byOperand) {
      if (group.length < 2) continue
      const info = operandInfo(lo)
      if (info === undefined) continue
      const found =
        info.kind === 'dateTime' ||
        info.kind === 'duration' ||
        info.kind === 'number' ||
        info.kind === 'orderedIri'
          ? emptyInterval(group, info.kind, lo === `${ODRL_NS}count`, info.profile?.values)
          : lo === `${ODRL_NS}purpose`
            ? disjointPurposes(group)
            : conflictingValues(group)
      if (found !== undefined) {
        const [x, y] = found
        return {
          path: y.path,
          params: { operand: local(lo), first: describe(x), firstPath: x.path, second: describe(y) },
        }
      }
    }
    return undefined
  }

  private effective(r: TreeRule, parent?: Effective): Effective {
    const t = this.tree
    const actions = (
      r.actions.length > 0
        ? r.actions
        : r.role === 'permission' || r.role === 'prohibition' || r.role === 'obligation'
          ? t.actions
          : []
    ).map((a) => a.iri)
    const iris = (ns: readonly TreeNode[]) => ns.flatMap((n) => (n.iri === undefined ? [] : [n.iri]))
    const targets = r.targets.length > 0 ? iris(r.targets) : (parent?.targets ?? iris(t.targets))
    const own = r.parties.get('assignee') ?? []
    const assignees =
      own.length > 0 ? iris(own) : (parent?.assignees ?? iris(t.parties.get('assignee') ?? []))
    return { rule: r, actions, targets, assignees }
  }

  /** Does prohibition `p` apply whenever rule `r` (with actions `actions`) applies? */
  private prohibitionCovers(p: Effective, r: Effective, actions: readonly string[]): boolean {
    if (actions.length === 0 || !actions.every((a) => p.actions.some((b) => covers(b, a)))) return false
    if (p.targets.length > 0 && !r.targets.every((x) => p.targets.includes(x))) return false
    if (p.targets.length > 0 && r.targets.length === 0) return false
    if (
      p.assignees.length > 0 &&
      (r.assignees.length === 0 || !r.assignees.every((x) => p.assignees.includes(x)))
    )
      return false
    if (p.rule.actions.some((a) => a.refinement.length > 0)) return false
    const mine = new Set(r.rule.constraints.map(canonical))
    return p.rule.constraints.every((c) => mine.has(canonical(c)))
  }

  private checkShadowing(): void {
    const t = this.tree
    const conflict = t.conflict ?? 'invalid'
    if (conflict === 'perm') return
    const prohibitions = t.prohibitions.map((p) => this.effective(p))
    for (const perm of t.permissions) {
      const e = this.effective(perm)
      const shadow = prohibitions.find((p) => this.prohibitionCovers(p, e, e.actions))
      if (shadow !== undefined) {
        this.warn(perm.path, 'shadowed-rule', {
          prohibition: shadow.rule.path,
          actions: e.actions.map(local),
          permission: perm.path,
          conflict,
        })
        continue
      }
      if (conflict !== 'invalid') continue
      // a narrower prohibition (distribute under use) is a conflict too (IM §2.10): void, not an exception
      for (const p of prohibitions) {
        const overlaps =
          p.actions.some((pa) => e.actions.some((ea) => covers(ea, pa) && ea !== pa)) &&
          (p.targets.length === 0 ||
            e.targets.length === 0 ||
            p.targets.some((x) => e.targets.includes(x))) &&
          (p.assignees.length === 0 ||
            e.assignees.length === 0 ||
            p.assignees.some((x) => e.assignees.includes(x)))
        if (overlaps) {
          this.warn(p.rule.path, 'conflict-voids-policy', {
            prohibition: p.rule.path,
            prohibitionActions: p.actions.map(local),
            permission: perm.path,
            permissionActions: e.actions.map(local),
          })
        }
      }
    }
  }

  private checkDuties(): void {
    const t = this.tree
    const prohibitions = t.prohibitions.map((p) => this.effective(p))
    const duties: { duty: TreeRule; parent?: Effective }[] = []
    for (const perm of t.permissions) {
      const e = this.effective(perm)
      for (const d of perm.children) duties.push({ duty: d, parent: e })
    }
    for (const o of t.obligations) duties.push({ duty: o })
    for (const { duty, parent } of duties) {
      const d = this.effective(duty, parent)
      const actions = d.actions.length > 0 ? d.actions : []
      const forbidden = prohibitions.find(
        (p) => p.rule.constraints.length === 0 && this.prohibitionCovers(p, d, actions),
      )
      if (forbidden !== undefined && (t.conflict ?? 'invalid') !== 'perm') {
        this.warn(duty.path, 'unfulfillable-duty', {
          variant: 'forbidden',
          role: duty.role,
          actions: actions.map(local),
          prohibition: forbidden.rule.path,
        })
        continue
      }
      if (duty.role === 'obligation' && d.assignees.length === 0) {
        this.warn(duty.path, 'unfulfillable-duty', { variant: 'no-assignee', role: duty.role })
        continue
      }
      if (parent !== undefined) {
        // a duty is a pre-condition (ODRL Formal Semantics): it must be fulfilled before the action
        const start = bound(duty.constraints, 'lower')
        const end = bound(parent.rule.constraints, 'upper')
        if (start !== undefined && end !== undefined && start.at > end.at) {
          this.warn(duty.path, 'unfulfillable-duty', {
            variant: 'too-late',
            role: duty.role,
            start: start.text,
            startPath: start.path,
            end: end.text,
            endPath: end.path,
          })
        }
      }
    }
  }

  private checkParties(all: readonly TreeRule[]): void {
    const t = this.tree
    const has = (fn: string) => (t.parties.get(fn)?.length ?? 0) > 0
    const everyRule = (fn: string) =>
      all
        .filter((r) => r.role === 'permission' || r.role === 'prohibition' || r.role === 'obligation')
        .every((r) => (r.parties.get(fn)?.length ?? 0) > 0)
    if (t.types.includes('Agreement')) {
      for (const fn of ['assigner', 'assignee']) {
        if (!has(fn) && !everyRule(fn))
          this.error('', 'missing-party', { policyType: 'Agreement', party: fn })
      }
    }
    if (t.types.includes('Offer') && !has('assigner') && !everyRule('assigner')) {
      this.error('', 'missing-party', { policyType: 'Offer', party: 'assigner' })
    }
  }
}

/** The atomic constraints that must all hold: the list itself and nested `and`s, not `or`/`xone`. */
function conjunction(cs: readonly TreeConstraint[]): TreeAtomicConstraint[] {
  return cs.flatMap((c) =>
    c.kind === 'atomic'
      ? [c]
      : c.operand === 'and' || c.operand === 'andSequence'
        ? conjunction(c.members)
        : [],
  )
}

/** Does purpose `p` satisfy one purpose constraint (the profile's hierarchy decides `isA`)? */
function purposeSatisfies(p: string, c: TreeAtomicConstraint): boolean {
  const values = c.rightOperand.map((v) => v.value)
  switch (c.operator) {
    case 'eq':
      return values[0] === p
    case 'neq':
      return values[0] !== p
    case 'isA':
      return values.length === 1 && isPurposeA(p, values[0] as string)
    case 'isAnyOf':
      return values.includes(p)
    case 'isNoneOf':
      return !values.includes(p)
    default:
      return true
  }
}

/**
 * A request declares one purpose. Two purpose constraints are disjoint when no purpose (of the
 * profile's hierarchy, or named in the constraints) satisfies both: `isA FloodWarning` and
 * `isA Marketing`, `eq A` and `isA B` with A outside B.
 */
function disjointPurposes(
  group: readonly TreeAtomicConstraint[],
): [TreeAtomicConstraint, TreeAtomicConstraint] | undefined {
  const named = group.flatMap((c) => c.rightOperand.map((v) => v.value))
  // an isA on a purpose the profile does not know has an unknown hierarchy: nothing can be said
  if (group.some((c) => c.operator === 'isA' && c.rightOperand.some((v) => !PURPOSE_BY_IRI.has(v.value)))) {
    return conflictingValues(group)
  }
  const candidates = [...new Set([...PURPOSE_BY_IRI.keys(), ...named])]
  for (let i = 0; i < group.length; i++) {
    for (let j = i + 1; j < group.length; j++) {
      const a = group[i] as TreeAtomicConstraint
      const b = group[j] as TreeAtomicConstraint
      if (!candidates.some((p) => purposeSatisfies(p, a) && purposeSatisfies(p, b))) return [a, b]
    }
  }
  return undefined
}

/** Stable text of a constraint, to compare constraints of two rules. */
function canonical(c: TreeConstraint): string {
  if (c.kind === 'logical') return `${c.operand}(${c.members.map(canonical).join(',')})`
  return `${c.leftOperand} ${c.operator} ${c.rightOperand.map((v) => v.value).join('|')} ${c.rightOperandReference ?? ''} ${c.unit ?? ''}`
}

function describe(c: TreeAtomicConstraint): string {
  return `${c.operator} ${c.rightOperand.map((v) => v.value).join(', ')}`
}

/** The value as a number on the operand's scale (ms, seconds, number, rank), or undefined. */
function numeric(kind: string, v: TreeValue, values?: readonly string[]): number | undefined {
  switch (kind) {
    case 'dateTime': {
      const ms = Date.parse(/T/.test(v.value) ? v.value : `${v.value}T00:00:00Z`)
      return Number.isNaN(ms) ? undefined : ms
    }
    case 'duration': {
      const p = parseDuration(v.value)
      if (p === undefined) return undefined
      const day = 86400
      return (
        (p.Y ?? 0) * 365.25 * day +
        (p.Mo ?? 0) * 30.44 * day +
        (p.W ?? 0) * 7 * day +
        (p.D ?? 0) * day +
        (p.H ?? 0) * 3600 +
        (p.Mi ?? 0) * 60 +
        (p.S ?? 0)
      )
    }
    case 'orderedIri': {
      const i = values?.indexOf(v.value) ?? -1
      return i < 0 ? undefined : i
    }
    default: {
      const n = Number(v.value)
      return v.value.trim() === '' || !Number.isFinite(n) ? undefined : n
    }
  }
}

/**
 * Intersects the bounds of comparison constraints on one operand; returns the first pair that
 * leaves nothing. Counts are integers: `gt 3` and `lt 4` leave nothing.
 */
function emptyInterval(
  group: readonly TreeAtomicConstraint[],
  kind: string,
  integer: boolean,
  values?: readonly string[],
): [TreeAtomicConstraint, TreeAtomicConstraint] | undefined {
  let lo: { v: number; incl: boolean; c: TreeAtomicConstraint } | undefined
  let hi: { v: number; incl: boolean; c: TreeAtomicConstraint } | undefined
  const excluded: { v: number; c: TreeAtomicConstraint }[] = []
  for (const c of group) {
    const value = c.rightOperand.length === 1 ? c.rightOperand[0] : undefined
    const n = value === undefined ? undefined : numeric(kind, value, values)
    if (n === undefined) continue
    let lower: { v: number; incl: boolean } | undefined
    let upper: { v: number; incl: boolean } | undefined
    switch (c.operator) {
      case 'eq':
        lower = { v: n, incl: true }
        upper = { v: n, incl: true }
        break
      case 'gt':
        lower = integer ? { v: Math.floor(n) + 1, incl: true } : { v: n, incl: false }
        break
      case 'gteq':
        lower = { v: n, incl: true }
        break
      case 'lt':
        upper = integer ? { v: Math.ceil(n) - 1, incl: true } : { v: n, incl: false }
        break
      case 'lteq':
        // a date without time as upper bound means the whole day (`lteq 2027-12-31`)
        upper = { v: kind === 'dateTime' && !value?.value.includes('T') ? n + 86_399_999 : n, incl: true }
        break
      case 'neq':
        excluded.push({ v: n, c })
        break
    }
    if (lower !== undefined && (lo === undefined || lower.v > lo.v || (lower.v === lo.v && !lower.incl)))
      lo = { ...lower, c }
    if (upper !== undefined && (hi === undefined || upper.v < hi.v || (upper.v === hi.v && !upper.incl)))
      hi = { ...upper, c }
    if (lo !== undefined && hi !== undefined && (lo.v > hi.v || (lo.v === hi.v && !(lo.incl && hi.incl)))) {
      return lo.c === c ? [hi.c, c] : [lo.c, c]
    }
    if (lo !== undefined && hi !== undefined && lo.v === hi.v) {
      const point = lo.v
      const x = excluded.find((e) => e.v === point)
      if (x !== undefined) return x.c === c ? [lo.c === c ? hi.c : lo.c, c] : [x.c, c]
    }
  }
  return undefined
}

/** eq A with eq B, eq A with neq A, eq A outside isAnyOf, eq A inside isNoneOf. */
function conflictingValues(
  group: readonly TreeAtomicConstraint[],
): [TreeAtomicConstraint, TreeAtomicConstraint] | undefined {
  const vals = (c: TreeAtomicConstraint) => c.rightOperand.map((v) => v.value)
  for (let i = 0; i < group.length; i++) {
    for (let j = i + 1; j < group.length; j++) {
      const a = group[i] as TreeAtomicConstraint
      const b = group[j] as TreeAtomicConstraint
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        if (x.operator !== 'eq' || x.rightOperand.length !== 1) continue
        const value = vals(x)[0] as string
        if (y.operator === 'eq' && y.rightOperand.length === 1 && vals(y)[0] !== value) return [a, b]
        if ((y.operator === 'neq' || y.operator === 'isNoneOf') && vals(y).includes(value)) return [a, b]
        if (y.operator === 'isAnyOf' && !vals(y).includes(value)) return [a, b]
      }
    }
  }
  return undefined
}

/** Earliest start (`lower`) or latest end (`upper`) a rule's dateTime constraints allow. */
function bound(
  cs: readonly TreeConstraint[],
  side: 'lower' | 'upper',
): { at: number; text: string; path: string } | undefined {
  let out: { at: number; text: string; path: string } | undefined
  for (const c of cs) {
    if (c.kind !== 'atomic' || c.leftOperand !== `${ODRL_NS}dateTime` || c.rightOperand.length !== 1) continue
    const v = c.rightOperand[0] as TreeValue
    const at = numeric('dateTime', v)
    if (at === undefined) continue
    const isLower = c.operator === 'gt' || c.operator === 'gteq' || c.operator === 'eq'
    const isUpper = c.operator === 'lt' || c.operator === 'lteq' || c.operator === 'eq'
    if (side === 'lower' && isLower && (out === undefined || at > out.at))
      out = { at, text: v.value, path: c.path }
    if (side === 'upper' && isUpper && (out === undefined || at < out.at))
      out = { at, text: v.value, path: c.path }
  }
  return out
}
