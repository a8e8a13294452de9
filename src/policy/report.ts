/**
 * The ODRL Compliance Report (`https://w3id.org/force/compliance-report#`) of an evaluation, as
 * triples, Turtle and JSON-LD, in the shape of the SolidLab test suite; and the short JSON decision
 * summary of the CLI. Report nodes are blank nodes; rule, request, constraint and earlier duty
 * report IRIs are referenced as they are.
 */
import type { ConstraintOutcome, EvaluationResult, RuleOutcome } from './evaluate.js'
import { literal, namedNode } from './graph.js'
import type { Iri, Term } from './model.js'
import { DCT_NS, ODRL_NS, RDF_TYPE, REPORT_NS, XSD_NS, XSD_STRING } from './vocabulary.js'

/** One triple of a report. */
export type ReportTriple = readonly [subject: string, predicate: Iri, object: Term]

const R = (local: string): Iri => REPORT_NS + local
const RN = (local: string): Term => namedNode(REPORT_NS + local)
const SATISFIED = RN('Satisfied')
const UNSATISFIED = RN('Unsatisfied')

/** The report as triples. Blank node labels are `_:r0`, `_:r1`, ... */
export function reportTriples(result: EvaluationResult): ReportTriple[] {
  const out: ReportTriple[] = []
  let n = 0
  const fresh = (): string => `_:r${n++}`
  const node = (id: string): Term => namedNode(id)
  const policyReport = fresh()
  out.push([policyReport, RDF_TYPE, RN('PolicyReport')])
  if (result.nowTerm !== undefined) out.push([policyReport, `${DCT_NS}created`, result.nowTerm])
  out.push([policyReport, R('policy'), node(result.policy.uid)])
  if (result.request.uid !== undefined) out.push([policyReport, R('policyRequest'), node(result.request.uid)])

  const state = (s: string, ok: boolean | undefined): void => {
    out.push([s, R('satisfactionState'), ok ? SATISFIED : UNSATISFIED])
  }
  const constraintReport = (o: ConstraintOutcome): string => {
    const s = fresh()
    out.push([s, RDF_TYPE, RN('ConstraintReport')])
    out.push([s, R('constraint'), node(o.constraint.id)])
    const c = o.constraint
    if (c.kind === 'logical') {
      out.push([s, R('constraintLogicalOperand'), namedNode(ODRL_NS + c.operand)])
      for (const m of o.members) out.push([s, R('premiseReport'), node(constraintReport(m))])
    } else {
      for (const t of o.left) out.push([s, R('constraintLeftOperand'), t])
      if (o.satisfied) {
        out.push([s, R('constraintOperator'), namedNode(ODRL_NS + c.operator)])
        for (const t of c.rightOperand) out.push([s, R('constraintRightOperand'), t])
      }
    }
    state(s, o.satisfied)
    return s
  }
  const ruleReport = (o: RuleOutcome): void => {
    const s = fresh()
    out.push([policyReport, R('ruleReport'), node(s)])
    out.push([s, RDF_TYPE, RN(o.kind === 'permission' ? 'PermissionReport' : 'ProhibitionReport')])
    out.push([s, R('rule'), node(o.rule.id)])
    if (result.request.id !== undefined) out.push([s, R('ruleRequest'), node(result.request.id)])
    out.push([s, R('attemptState'), RN('Attempted')])
    const premise = (type: string, ok: boolean | undefined): void => {
      if (ok === undefined) return
      const p = fresh()
      out.push([s, R('premiseReport'), node(p)])
      out.push([p, RDF_TYPE, RN(type)])
      state(p, ok)
    }
    premise('TargetReport', o.target)
    premise('PartyReport', o.party)
    premise('ActionReport', o.action)
    for (const c of o.constraints) out.push([s, R('premiseReport'), node(constraintReport(c))])
    for (const d of o.conditions) {
      if (d.report !== undefined) {
        out.push([s, R('conditionReport'), node(d.report)])
        continue
      }
      const dr = fresh()
      out.push([s, R('conditionReport'), node(dr)])
      out.push([dr, RDF_TYPE, RN('DutyReport')])
      out.push([dr, R('rule'), node(d.duty.id)])
      out.push([dr, R('deonticState'), RN(DEONTIC_TERM[d.state])])
      out.push([dr, R('activationState'), RN(d.active ? 'Active' : 'Inactive')])
    }
    out.push([s, R('activationState'), RN(o.active ? 'Active' : 'Inactive')])
  }
  for (const o of result.rules) ruleReport(o)
  for (const d of result.obligations) {
    const s = fresh()
    out.push([policyReport, R('ruleReport'), node(s)])
    out.push([s, RDF_TYPE, RN('DutyReport')])
    out.push([s, R('rule'), node(d.duty.id)])
    out.push([s, R('deonticState'), RN(DEONTIC_TERM[d.state])])
    out.push([s, R('activationState'), RN(d.active ? 'Active' : 'Inactive')])
    for (const c of d.constraints) out.push([s, R('premiseReport'), node(constraintReport(c))])
  }
  return out
}

const DEONTIC_TERM = { fulfilled: 'Fulfilled', violated: 'Violated', notSet: 'NonSet' } as const

const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['report', REPORT_NS],
  ['odrl', ODRL_NS],
  ['dct', DCT_NS],
  ['xsd', XSD_NS],
]

function escapeString(s: string): string {
  return s.replace(
    /["\\\n\r\t]/g,
    (c) => ({ '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string,
  )
}

function turtleIri(iri: string): string {
  if (iri.startsWith('_:')) return iri
  if (iri === RDF_TYPE) return 'a'
  for (const [p, ns] of PREFIXES) {
    if (iri.startsWith(ns) && /^[A-Za-z][\w-]*$/.test(iri.slice(ns.length)))
      return `${p}:${iri.slice(ns.length)}`
  }
  return `<${iri.replace(/[<>"{}|^`\\\s]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}>`
}

function turtleTerm(t: Term): string {
  if (t.termType !== 'Literal') return turtleIri(t.value)
  const body = `"${escapeString(t.value)}"`
  if (t.language !== undefined) return `${body}@${t.language}`
  if (t.datatype === undefined || t.datatype === XSD_STRING) return body
  return `${body}^^${turtleIri(t.datatype)}`
}

/** The report in Turtle. */
export function reportToTurtle(result: EvaluationResult): string {
  const lines = PREFIXES.map(([p, ns]) => `@prefix ${p}: <${ns}> .`)
  lines.push('')
  let current: string | undefined
  const bySubject = new Map<string, ReportTriple[]>()
  for (const t of reportTriples(result)) {
    const list = bySubject.get(t[0])
    if (list === undefined) bySubject.set(t[0], [t])
    else list.push(t)
  }
  for (const [s, triples] of bySubject) {
    current = s
    const parts = triples.map(([, p, o]) => `${turtleIri(p)} ${turtleTerm(o)}`)
    lines.push(`${turtleIri(current)} ${parts.join(' ;\n    ')} .`)
  }
  return `${lines.join('\n')}\n`
}

/** The report as JSON-LD (flattened, one `@graph`, its own inline context). */
export function reportToJsonLd(result: EvaluationResult): Record<string, unknown> {
  const nodes = new Map<string, Record<string, unknown>>()
  const jsonTerm = (t: Term): unknown => {
    if (t.termType !== 'Literal') return { '@id': t.value }
    if (t.language !== undefined) return { '@value': t.value, '@language': t.language }
    if (t.datatype === undefined || t.datatype === XSD_STRING) return t.value
    return { '@value': t.value, '@type': t.datatype }
  }
  for (const [s, p, o] of reportTriples(result)) {
    let n = nodes.get(s)
    if (n === undefined) {
      n = { '@id': s }
      nodes.set(s, n)
    }
    if (p === RDF_TYPE) {
      n['@type'] = [...((n['@type'] as string[] | undefined) ?? []), o.value]
      continue
    }
    const existing = n[p] as unknown[] | undefined
    n[p] = [...(existing ?? []), jsonTerm(o)]
  }
  return {
    '@context': { report: REPORT_NS, odrl: ODRL_NS, dct: DCT_NS, xsd: XSD_NS },
    '@graph': [...nodes.values()],
  }
}

/** The CLI's `--format json` summary. */
export interface DecisionSummary {
  readonly decision: 'permit' | 'deny' | 'not-applicable'
  readonly rules: ReadonlyArray<{
    readonly rule: Iri
    readonly kind: 'permission' | 'prohibition'
    readonly active: boolean
    readonly failed: readonly string[]
  }>
}

/** The decision with each rule's failing premises in plain English. */
export function decisionSummary(result: EvaluationResult): DecisionSummary {
  return {
    decision: result.decision,
    rules: result.rules.map((o) => ({
      rule: o.rule.id,
      kind: o.kind,
      active: o.active,
      failed: [...o.failed],
    })),
  }
}

/** Makes an `xsd:dateTime` literal (for callers building reports by hand). */
export function dateTimeLiteral(date: Date): Term {
  return literal(date.toISOString(), `${XSD_NS}dateTime`)
}
