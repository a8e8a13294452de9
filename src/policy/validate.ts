/**
 * Validates an ODRL policy as written (JSON-LD), reporting each problem with the path to the node
 * that causes it. Errors make a policy unusable: broken structure, unknown terms, values of the
 * wrong kind, missing parties. Warnings flag policies that are well-formed but cannot do what their
 * author meant: constraints that can never hold together, permissions a prohibition always
 * overrides (or voids), and duties nobody can fulfil.
 */

import { parseDuration } from './labels.js'
import {
  ALLMENDE_NS,
  ALLMENDE_PROFILE,
  PROFILE_ACTIONS,
  PROFILE_LEFT_OPERANDS,
  type ProfileLeftOperand,
} from './profile.js'
import {
  type Issue,
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

/**
 * Validates a policy given as parsed JSON-LD (the value of `JSON.parse`). Never throws for bad
 * input; every problem is an {@link Issue} with a path such as `permission[0].constraint[1].rightOperand`.
 *
 * @example
 * ```ts
 * const { errors, warnings } = validatePolicy(JSON.parse(text))
 * for (const e of errors) console.log(`${e.path}: ${e.message}`)
 * ```
 */
export function validatePolicy(doc: unknown): ValidationResult {
  const read = readPolicyTree(doc)
  const errors: Issue[] = [...read.errors]
  const warnings: Issue[] = []
  if (read.tree !== undefined) new Checker(read.tree, errors, warnings).run()
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
  ) {
    this.usesProfile = tree.profiles.includes(ALLMENDE_PROFILE)
    this.foreignProfiles = tree.profiles.filter((p) => p !== ALLMENDE_PROFILE)
  }

  private error(path: string, code: string, message: string): void {
    this.errors.push({ path, code, message })
  }

  private warn(path: string, code: string, message: string): void {
    this.warnings.push({ path, code, message })
  }

  run(): void {
    const t = this.tree
    for (const p of this.foreignProfiles) {
      this.warn(
        'profile',
        'unknown-profile',
        `Profile ${p} is not known here; terms it defines are not checked.`,
      )
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
      this.error(
        r.path,
        'missing-action',
        `The ${r.role} has no action (and the policy gives none for all rules).`,
      )
    }
    for (const a of r.actions) this.checkAction(a)
    for (const n of [...r.targets, ...[...r.parties.values()].flat()])
      this.checkConstraints(n.refinement, 'refinement')
    this.checkConstraints(r.constraints, 'constraint')
    const own = this.unsatisfiable(r.constraints)
    if (own !== undefined) {
      const isDuty =
        r.role === 'duty' || r.role === 'obligation' || r.role === 'remedy' || r.role === 'consequence'
      this.warn(
        own.path,
        isDuty ? 'unfulfillable-duty' : 'unsatisfiable-constraint',
        `${own.message}, so this ${r.role} ${isDuty ? 'can never be fulfilled' : 'never applies'}.`,
      )
    }
  }

  private checkAction(a: TreeAction): void {
    if (PROFILE_ACTIONS.has(a.iri) && !this.usesProfile) {
      this.error(
        a.path,
        'undeclared-profile',
        `${local(a.iri)} is defined by the Allmende profile; add "profile": "${ALLMENDE_PROFILE}".`,
      )
    } else if (!isKnownAction(a.iri)) {
      if (a.iri.startsWith(ALLMENDE_NS) && !this.usesProfile) {
        this.error(
          a.path,
          'undeclared-profile',
          `${local(a.iri)} is defined by the Allmende profile; add "profile": "${ALLMENDE_PROFILE}".`,
        )
      } else if (
        a.iri.startsWith(ODRL_NS) ||
        a.iri.startsWith(ALLMENDE_NS) ||
        this.foreignProfiles.length === 0
      ) {
        this.error(
          a.path,
          'unknown-action',
          `Unknown action ${local(a.iri)}: not an ODRL 2.2 action${this.usesProfile ? ' nor one of the declared profile' : ''}.`,
        )
      }
    }
    this.checkConstraints(a.refinement, 'refinement')
    const bad = this.unsatisfiable(a.refinement)
    if (bad !== undefined)
      this.warn(
        bad.path,
        'unsatisfiable-constraint',
        `${bad.message}, so the action is never permitted as refined.`,
      )
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
        this.error(
          `${c.path}.leftOperand`,
          'undeclared-profile',
          `${local(c.leftOperand)} is defined by the Allmende profile; add "profile": "${ALLMENDE_PROFILE}".`,
        )
      } else if (
        c.leftOperand.startsWith(ODRL_NS) ||
        c.leftOperand.startsWith(ALLMENDE_NS) ||
        this.foreignProfiles.length === 0
      ) {
        const where = this.usesProfile
          ? `ODRL 2.2 nor the declared profile ${ALLMENDE_PROFILE}`
          : 'ODRL 2.2 (declare the profile that defines it)'
        this.error(
          `${c.path}.leftOperand`,
          'unknown-left-operand',
          `Unknown left operand ${local(c.leftOperand)}: defined by neither ${where}.`,
        )
      }
      return
    }
    if (info.profile !== undefined && !this.usesProfile) {
      this.error(
        `${c.path}.leftOperand`,
        'undeclared-profile',
        `${local(c.leftOperand)} is defined by the Allmende profile; add "profile": "${ALLMENDE_PROFILE}".`,
      )
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
      this.error(
        `${c.path}.operator`,
        'operator-mismatch',
        `${name} takes ${info.profile.operators.join(', ')}, not ${op}.`,
      )
    } else if (ORDER_OPERATORS.has(op) && !ordered) {
      this.error(
        `${c.path}.operator`,
        'operator-mismatch',
        `${name} has no order; ${op} cannot compare it (use eq, isA, isAnyOf, ...).`,
      )
    } else if (
      (op === 'isA' || op === 'isPartOf' || op === 'hasPart' || op === 'isAllOf') &&
      ordered &&
      info.kind !== 'orderedIri'
    ) {
      this.error(
        `${c.path}.operator`,
        'operator-mismatch',
        `${name} is a ${info.kind}; ${op} does not apply (use eq, lt, lteq, gt, gteq).`,
      )
    }
    if (SINGLE_VALUE_OPERATORS.has(op) && c.rightOperand.length > 1) {
      this.error(
        `${c.path}.rightOperand`,
        'too-many-values',
        `${op} compares with one value; use isAnyOf, isAllOf or isNoneOf for ${c.rightOperand.length} values.`,
      )
    }
    for (const v of c.rightOperand) this.checkValue(name, info, v)
  }

  private checkValue(
    name: string,
    info: { kind: ValueKind | 'orderedIri'; profile?: ProfileLeftOperand },
    v: TreeValue,
  ): void {
    const bad = (expected: string) =>
      this.error(v.path, 'bad-right-operand', `${name} needs ${expected}, found ${JSON.stringify(v.value)}.`)
    switch (info.kind) {
      case 'dateTime':
        if (v.kind !== 'literal' || !DATE_RE.test(v.value) || Number.isNaN(Date.parse(v.value)))
          bad('an xsd:date or xsd:dateTime such as 2027-12-31')
        break
      case 'duration':
        if (v.kind !== 'literal' || parseDuration(v.value) === undefined) bad('an xsd:duration such as P30D')
        break
      case 'number': {
        const n = Number(v.value)
        if (v.kind !== 'literal' || v.value.trim() === '' || !Number.isFinite(n)) bad('a number')
        else if (name === 'count' && (!Number.isInteger(n) || n < 0)) bad('a non-negative integer')
        else if (name === 'percentage' && (n < 0 || n > 100)) bad('a percentage between 0 and 100')
        break
      }
      default:
        if (info.profile?.values !== undefined && !info.profile.values.includes(v.value)) {
          bad(`one of ${info.profile.values.map(local).join(', ')}`)
        }
    }
  }

  /**
   * Finds two constraints of an implicit `and` (nested `and` included) that cannot both hold.
   * `or`/`xone` members are alternatives and are not combined.
   */
  private unsatisfiable(cs: readonly TreeConstraint[]): { path: string; message: string } | undefined {
    const atoms: TreeAtomicConstraint[] = []
    const collect = (list: readonly TreeConstraint[]) => {
      for (const c of list) {
        if (c.kind === 'atomic') atoms.push(c)
        else if (c.operand === 'and' || c.operand === 'andSequence') collect(c.members)
      }
    }
    collect(cs)
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
          : conflictingValues(group)
      if (found !== undefined) {
        const [x, y] = found
        return {
          path: y.path,
          message: `${local(lo)} ${describe(x)} (${x.path}) and ${local(lo)} ${describe(y)} can never both hold`,
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
        const what = `${shadow.rule.path} forbids ${e.actions.map(local).join(', ')} whenever ${perm.path} allows it`
        this.warn(
          perm.path,
          'shadowed-rule',
          conflict === 'prohibit'
            ? `${what}, and conflict is "prohibit": the permission never takes effect.`
            : `${what}; with conflict strategy "invalid" (the default) the whole policy is then void. Remove one of them, or set "conflict".`,
        )
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
          this.warn(
            p.rule.path,
            'conflict-voids-policy',
            `${p.rule.path} (${p.actions.map(local).join(', ')}) overlaps ${perm.path} (${e.actions.map(local).join(', ')}); with conflict strategy "invalid" (the default) the policy is void whenever both are active. Set "conflict": "prohibit" to make the prohibition an exception.`,
          )
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
        this.warn(
          duty.path,
          'unfulfillable-duty',
          `The ${duty.role} requires ${actions.map(local).join(', ')}, which ${forbidden.rule.path} forbids: it cannot be fulfilled without a violation.`,
        )
        continue
      }
      if (duty.role === 'obligation' && d.assignees.length === 0) {
        this.warn(
          duty.path,
          'unfulfillable-duty',
          'The obligation names no assignee (nor does the policy): nobody is bound to fulfil it.',
        )
        continue
      }
      if (parent !== undefined) {
        // a duty is a pre-condition (ODRL Formal Semantics): it must be fulfilled before the action
        const start = bound(duty.constraints, 'lower')
        const end = bound(parent.rule.constraints, 'upper')
        if (start !== undefined && end !== undefined && start.at > end.at) {
          this.warn(
            duty.path,
            'unfulfillable-duty',
            `The duty can only be fulfilled after ${start.text} (${start.path}), but the permission ends ${end.text} (${end.path}): it can never be fulfilled in time.`,
          )
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
          this.error('', 'missing-party', `An Agreement needs an ${fn} (on the policy or on every rule).`)
      }
    }
    if (t.types.includes('Offer') && !has('assigner') && !everyRule('assigner')) {
      this.error('', 'missing-party', 'An Offer needs an assigner (on the policy or on every rule).')
    }
  }
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
