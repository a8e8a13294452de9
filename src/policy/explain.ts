/**
 * Renders an ODRL policy as plain German or English sentences, one per rule:
 * "Der Landkreis Mayen-Koblenz darf die Pegeldaten nur zur Hochwasserwarnung nutzen, bis zum
 * 31.12.2027, und muss sie 30 Tage nach Erhalt löschen." The text is built from label tables
 * (`labels.ts`, `profile.ts`), labels on the policy's own nodes (`rdfs:label`, `dct:title`,
 * `schema:name`) and a label map from the caller; nothing is guessed. Time offsets of duties
 * (`delayPeriod`, `elapsedTime`) count from receipt of the data, as the Allmende profile defines.
 */
import { InvalidInputError } from '../protocol/errors.js'
import {
  actionLabel,
  capitalize,
  formatAmount,
  formatDate,
  formatDuration,
  formatTimes,
  germanGender,
  germanNoun,
  germanPronoun,
  joinList,
  knownValueLabel,
  type Lang,
  leftOperandLabel,
  type NounPhrase,
  operatorPhrase,
  shortenIri,
} from './labels.js'
import { ALLMENDE_NS, type GermanGender, PROFILE_VALUE_LABELS, PURPOSE_BY_IRI } from './profile.js'
import {
  type LabelSet,
  type PolicyTree,
  readPolicyTree,
  type TreeAtomicConstraint,
  type TreeConstraint,
  type TreeNode,
  type TreeRule,
  type TreeValue,
} from './validate-tree.js'
import { ODRL_NS } from './vocabulary.js'

/** A caller's label for an IRI: one text for both languages, or per language, with a German gender. */
export interface LabelEntry {
  readonly de?: string
  readonly en?: string
  /** Text for both languages when `de`/`en` are absent. */
  readonly label?: string
  /** German gender of the label's head noun (chooses der/die/das); guessed from tables when absent. */
  readonly gender?: GermanGender
}

/** IRI or DID -> label; these win over labels found in the policy. */
export type LabelMap = Readonly<Record<string, string | LabelEntry>>

export interface ExplainOptions {
  readonly lang: Lang
  readonly labels?: LabelMap
}

/** The explanation: a heading naming the policy, one sentence per rule, and both as text. */
export interface Explanation {
  readonly heading: string
  readonly sentences: readonly string[]
  /** Heading and sentences, one per line. */
  readonly text: string
}

/**
 * Explains a policy given as parsed JSON-LD.
 *
 * @throws InvalidInputError when the document is not a policy at all (not an object, no policy node).
 * @example
 * ```ts
 * explainPolicy(JSON.parse(text), { lang: 'de', labels: { 'did:web:kusel.de': 'Landkreis Kusel' } }).text
 * ```
 */
export function explainPolicy(doc: unknown, options: ExplainOptions): Explanation {
  const read = readPolicyTree(doc)
  if (read.tree === undefined) {
    throw new InvalidInputError(`Not an ODRL policy: ${read.errors.map((e) => e.message).join(' ')}`)
  }
  return new Explainer(read.tree, options).explain()
}

const TYPE_LABELS: Readonly<Record<string, { de: string; en: string }>> = {
  Set: { de: 'Richtlinie', en: 'Policy' },
  Policy: { de: 'Richtlinie', en: 'Policy' },
  Offer: { de: 'Angebot', en: 'Offer' },
  Agreement: { de: 'Vereinbarung', en: 'Agreement' },
  Request: { de: 'Anfrage', en: 'Request' },
  Privacy: { de: 'Datenschutzrichtlinie', en: 'Privacy policy' },
  Assertion: { de: 'Zusicherung', en: 'Assertion' },
  Ticket: { de: 'Ticket', en: 'Ticket' },
}

/** Phrases of one rule's constraints: those inside the clause (before the verb) and those after it. */
interface Phrases {
  readonly middle: string[]
  readonly trailing: string[]
}

class Explainer {
  private readonly lang: Lang

  constructor(
    private readonly tree: PolicyTree,
    private readonly options: ExplainOptions,
  ) {
    this.lang = options.lang
  }

  explain(): Explanation {
    const t = this.tree
    const sentences = [
      ...t.permissions.map((r) => this.rule(r)),
      ...t.prohibitions.map((r) => this.rule(r)),
      ...t.obligations.map((r) => this.rule(r)),
    ]
    if (t.permissions.length > 0 && t.prohibitions.length > 0) {
      const c = t.conflict ?? 'invalid'
      const de = {
        perm: 'Widersprechen sich Regeln, gehen die Erlaubnisse vor.',
        prohibit: 'Widersprechen sich Regeln, gehen die Verbote vor.',
        invalid: 'Widersprechen sich Regeln, ist die ganze Richtlinie ungültig.',
      }
      const en = {
        perm: 'Where rules conflict, the permissions prevail.',
        prohibit: 'Where rules conflict, the prohibitions prevail.',
        invalid: 'Where rules conflict, the whole policy is void.',
      }
      sentences.push((this.lang === 'de' ? de : en)[c as 'perm' | 'prohibit' | 'invalid'])
    }
    const heading = this.heading()
    return { heading, sentences, text: [heading, ...sentences].join('\n') }
  }

  private heading(): string {
    const t = this.tree
    const type = t.types.find((x) => TYPE_LABELS[x] !== undefined) ?? 'Set'
    const typeLabel = (TYPE_LABELS[type] as { de: string; en: string })[this.lang]
    const title = pick(t.title, this.lang)
    const name = title !== undefined ? this.quote(title) : (t.uid ?? '')
    const parts = [`${typeLabel} ${name}`.trim()]
    const assigner = t.parties.get('assigner')?.[0]?.iri
    const assignee = t.parties.get('assignee')?.[0]?.iri
    if (assigner !== undefined)
      parts.push(`${this.lang === 'de' ? 'Anbieter' : 'provider'}: ${this.plain(assigner)}`)
    if (assignee !== undefined)
      parts.push(`${this.lang === 'de' ? 'Empfänger' : 'recipient'}: ${this.plain(assignee)}`)
    return parts.join(', ')
  }

  private quote(s: string): string {
    return this.lang === 'de' ? `„${s}“` : `“${s}”`
  }

  /* ---------- names ---------- */

  /** Label of an IRI from the caller, the policy, or the tables; else the shortened IRI. */
  private name(iri: string): NounPhrase {
    const given = this.options.labels?.[iri]
    if (given !== undefined) {
      const e: LabelEntry = typeof given === 'string' ? { label: given } : given
      const de = e.de ?? e.label ?? e.en
      const en = e.en ?? e.label ?? e.de
      if (de !== undefined && en !== undefined) {
        const gender = e.gender ?? germanGender(de)
        return { de, en, ...(gender !== undefined && { gender }), fallback: false }
      }
    }
    const own = this.tree.labels.get(iri)
    if (own !== undefined) {
      const de = pick(own, 'de')
      const en = pick(own, 'en')
      if (de !== undefined && en !== undefined) {
        const gender = germanGender(de)
        return { de, en, ...(gender !== undefined && { gender }), fallback: false }
      }
    }
    const known = knownValueLabel(iri)
    if (known !== undefined) return { ...known, fallback: false }
    const short = shortenIri(iri)
    return { de: short, en: short, fallback: true }
  }

  /** A party or value name without article. */
  private plain(iri: string): string {
    return this.name(iri)[this.lang]
  }

  /** A party as the subject (nominative) or object of a clause. */
  private party(nodes: readonly TreeNode[], c: 'nom' | 'acc' | 'dat'): string | undefined {
    const names = nodes.map((n) => {
      if (n.iri === undefined)
        return this.lang === 'de' ? 'eine Gruppe von Beteiligten' : 'a group of parties'
      const np = this.name(n.iri)
      // an unlabelled DID reads as "der Teilnehmer kusel.de", never as a bare lower-case word
      if (np.fallback)
        return this.lang === 'de'
          ? germanNoun({ ...np, de: `Teilnehmer ${np.de}`, gender: 'm' }, c)
          : `the participant ${np.en}`
      return this.lang === 'de' ? germanNoun(np, c) : np.en
    })
    return names.length === 0 ? undefined : joinList(names, this.lang)
  }

  /** An asset as the object of a clause, and the pronoun for it. */
  private asset(nodes: readonly TreeNode[]): { text: string; pronoun: string } {
    if (nodes.length === 0) {
      return this.lang === 'de' ? { text: 'die Daten', pronoun: 'sie' } : { text: 'the data', pronoun: 'it' }
    }
    const nps = nodes.map((n) => (n.iri === undefined ? undefined : this.name(n.iri)))
    const texts = nps.map((np) => {
      if (np === undefined) return this.lang === 'de' ? 'die ausgewählten Daten' : 'the selected data'
      if (this.lang === 'en') return np.fallback ? `the data ${this.quote(np.en)}` : np.en
      if (np.gender === undefined) return `die Daten ${this.quote(np.de)}`
      return germanNoun(np, 'acc')
    })
    const first = nps[0]
    const pronoun =
      this.lang === 'en'
        ? nodes.length > 1
          ? 'them'
          : 'it'
        : nodes.length > 1 || first === undefined
          ? 'sie'
          : germanPronoun(first)
    return { text: joinList(texts, this.lang), pronoun }
  }

  private value(v: TreeValue): string {
    if (v.kind === 'iri') {
      const np = this.name(v.value)
      return np.fallback ? this.quote(np[this.lang]) : np[this.lang]
    }
    if (/^-?\d{4,}-\d{2}-\d{2}/.test(v.value)) return formatDate(v.value, this.lang)
    if (/^P[\dTYMWDHS.]+$/.test(v.value)) return formatDuration(v.value, this.lang)
    return this.quote(v.value)
  }

  /* ---------- rules ---------- */

  private effectiveTargets(r: TreeRule, parent?: TreeRule): readonly TreeNode[] {
    if (r.targets.length > 0) return r.targets
    if (parent !== undefined && parent.targets.length > 0) return parent.targets
    return this.tree.targets
  }

  private assignees(r: TreeRule, parent?: TreeRule): readonly TreeNode[] {
    const own = r.parties.get('assignee') ?? []
    if (own.length > 0) return own
    const up = parent?.parties.get('assignee') ?? []
    if (up.length > 0) return up
    return this.tree.parties.get('assignee') ?? []
  }

  private actions(r: TreeRule): readonly { iri: string; refinement: readonly TreeConstraint[] }[] {
    return r.actions.length > 0 ? r.actions : this.tree.actions
  }

  private rule(r: TreeRule): string {
    const de = this.lang === 'de'
    const assignees = this.assignees(r)
    const plural = assignees.length > 1
    const prohibition = r.role === 'prohibition'
    const nobody = prohibition && assignees.length === 0
    const { clause, trailing } = this.clause(r, undefined, prohibition ? 'plain' : 'only', {
      pronoun: false,
      negate: !nobody,
    })
    const named = this.party(assignees, 'nom')
    // a name is never re-cased ("kusel.de" stays); generic subjects and articles start the sentence
    const who =
      named === undefined ? undefined : /^(der|die|das|den|the) /.test(named) ? capitalize(named) : named
    let sentence: string
    if (r.role === 'permission')
      sentence = de
        ? `${who ?? 'Jeder'} ${plural ? 'dürfen' : 'darf'} ${clause}`
        : `${who ?? 'Anyone'} may ${clause}`
    else if (nobody) sentence = de ? `Niemand darf ${clause}` : `No one may ${clause}`
    else if (prohibition)
      sentence = de ? `${who} ${plural ? 'dürfen' : 'darf'} ${clause}` : `${who} must not ${clause}`
    else
      sentence = de
        ? `${who ?? 'Jeder'} ${plural ? 'müssen' : 'muss'} ${clause}`
        : `${who ?? 'Everyone'} must ${clause}`
    let comma = trailing
    for (const child of r.children) {
      const f = this.followUp(child, r, comma)
      sentence += f.text
      comma = f.trailing
    }
    return `${sentence}.`
  }

  /**
   * ", und muss sie 30 Tage nach Erhalt löschen" / "; bei Verstoß muss ...". The comma before
   * "und" only follows a trailing phrase ("bis zum 31.12.2027, und muss ...").
   */
  private followUp(child: TreeRule, parent: TreeRule, comma: boolean): { text: string; trailing: boolean } {
    const de = this.lang === 'de'
    const sameParty =
      (child.parties.get('assignee') ?? []).length === 0 ||
      sameIris(child.parties.get('assignee') ?? [], this.assignees(parent))
    const sameTarget = child.targets.length === 0 || sameIris(child.targets, this.effectiveTargets(parent))
    const { clause, trailing } = this.clause(child, parent, 'plain', { pronoun: sameTarget, negate: false })
    const who = sameParty ? undefined : this.party(this.assignees(child, parent), 'nom')
    if (child.role === 'duty') {
      const and = `${comma ? ',' : ''} ${de ? 'und' : 'and'}`
      if (de)
        return {
          text: who === undefined ? `${and} muss ${clause}` : `${and} ${who} muss ${clause}`,
          trailing,
        }
      return { text: who === undefined ? `${and} must ${clause}` : `${and} ${who} must ${clause}`, trailing }
    }
    // remedy or consequence: due when the rule is violated
    const subject = who ?? this.party(this.assignees(parent), 'nom') ?? (de ? 'jeder' : 'anyone')
    return {
      text: de ? `; bei Verstoß muss ${subject} ${clause}` : `; if violated, ${subject} must ${clause}`,
      trailing,
    }
  }

  /**
   * The clause after the modal verb: object, restrictions, verb, trailing phrases. `mode` is
   * `only` for permissions ("nur zur Hochwasserwarnung"), `plain` for prohibitions and duties.
   */
  private clause(
    r: TreeRule,
    parent: TreeRule | undefined,
    mode: 'only' | 'plain',
    o: { pronoun: boolean; negate: boolean },
  ): { clause: string; trailing: boolean } {
    const de = this.lang === 'de'
    const actions = this.actions(r)
    const labels = actions.map((a) => actionLabel(a.iri))
    const first = labels[0] ?? actionLabel(`${ODRL_NS}use`)
    const phrases: Phrases = { middle: [], trailing: [] }
    const constraints = [...r.constraints, ...actions.flatMap((a) => a.refinement)]
    let amount: string | undefined
    for (const c of constraints) {
      if (
        c.kind === 'atomic' &&
        c.leftOperand === `${ODRL_NS}payAmount` &&
        c.operator === 'eq' &&
        c.rightOperand[0] !== undefined
      ) {
        amount = formatAmount(c.rightOperand[0].value, c.unit, this.lang)
        continue
      }
      this.constraint(c, mode, r.role !== 'permission' && r.role !== 'prohibition', phrases)
    }
    // the object of the verb
    let object: string
    if (first.object === 'asset') {
      const a = this.asset(this.effectiveTargets(r, parent))
      object = o.pronoun && parent !== undefined ? a.pronoun : a.text
    } else if (first.object === 'use') {
      object = de ? 'die Nutzung' : 'each use'
    } else if (first.object === 'party') {
      const fn = first.party ?? 'informedParty'
      const nodes = r.parties.get(fn) ?? this.tree.parties.get(fn) ?? this.tree.parties.get('assigner') ?? []
      object = this.party(nodes, 'acc') ?? (de ? 'den Anbieter' : 'the provider')
      if (fn === 'consentingParty')
        object = de
          ? `bei ${this.party(nodes, 'dat') ?? 'dem Anbieter'}`
          : `from ${this.party(nodes, 'dat') ?? 'the provider'}`
    } else {
      object = amount ?? ''
      if (amount !== undefined) {
        const to = r.parties.get('compensatedParty') ?? this.tree.parties.get('assigner') ?? []
        const party = this.party(to, 'acc')
        if (party !== undefined) object = de ? `${amount} an ${party}` : `${amount} to ${party}`
      }
    }
    const verbs = labels.map((l) => l[this.lang])
    const verb = joinList(verbs.length > 0 ? verbs : [first[this.lang]], this.lang)
    const middle = joinList(phrases.middle, this.lang)
    const trailing = phrases.trailing.map((p) => `, ${p}`).join('')
    const not = r.role === 'prohibition' && de && o.negate ? 'nicht ' : ''
    let clause: string
    if (de) clause = [object, `${not}${middle}`.trim(), verb].filter((x) => x !== '').join(' ')
    else if (first.object === 'party' && first.party === 'consentingParty')
      clause = [verb, object, middle].filter((x) => x !== '').join(' ')
    else if (first.object === 'party')
      clause = [verb, object, 'of each use', middle].filter((x) => x !== '').join(' ')
    else clause = [verb, object, middle].filter((x) => x !== '').join(' ')
    return { clause: `${clause}${trailing}`, trailing: phrases.trailing.length > 0 }
  }

  /** Adds the phrase(s) of one constraint. `duty`: time offsets count from receipt. */
  private constraint(c: TreeConstraint, mode: 'only' | 'plain', duty: boolean, out: Phrases): void {
    if (c.kind === 'logical') {
      const parts = c.members.map((m) => {
        const p: Phrases = { middle: [], trailing: [] }
        this.constraint(m, mode, duty, p)
        return [...p.middle, ...p.trailing].join(', ')
      })
      const de = this.lang === 'de'
      const text =
        c.operand === 'or'
          ? joinList(parts, this.lang, de ? 'oder' : 'or')
          : c.operand === 'xone'
            ? `${de ? 'entweder' : 'either'} ${joinList(parts, this.lang, de ? 'oder' : 'or')}`
            : c.operand === 'andSequence'
              ? parts.join(de ? ', danach ' : ', then ')
              : joinList(parts, this.lang)
      out.trailing.push(text)
      return
    }
    const special = this.special(c, mode, duty)
    if (special !== undefined) {
      out[special.where].push(special.text)
      return
    }
    out.trailing.push(this.generic(c))
  }

  private generic(c: TreeAtomicConstraint): string {
    const lo = leftOperandLabel(c.leftOperand ?? '')[this.lang]
    const values =
      c.rightOperandReference !== undefined
        ? [this.quote(c.rightOperandReference)]
        : c.rightOperand.map((v) => this.value(v))
    const value =
      values.length > 1 ? joinList(values, this.lang, this.lang === 'de' ? 'oder' : 'or') : (values[0] ?? '')
    const phrase = operatorPhrase(c.operator ?? 'eq', value, this.lang)
    return this.lang === 'de' ? `sofern ${lo} ${phrase}` : `provided that ${lo} ${phrase}`
  }

  /** Natural phrasing for the common left operands; undefined falls back to the generic form. */
  private special(
    c: TreeAtomicConstraint,
    mode: 'only' | 'plain',
    duty: boolean,
  ): { where: keyof Phrases; text: string } | undefined {
    const de = this.lang === 'de'
    const op = c.operator
    const vals = c.rightOperand
    if (op === undefined || vals.length === 0 || c.leftOperand === undefined) return undefined
    const one = vals.length === 1 ? (vals[0] as TreeValue) : undefined
    const only = mode === 'only' ? (de ? 'nur ' : 'only ') : ''
    const or = de ? 'oder' : 'or'
    const lo = c.leftOperand
    const positive = op === 'eq' || op === 'isA' || op === 'isAnyOf' || op === 'isPartOf'
    const negative = op === 'neq' || op === 'isNoneOf'
    switch (lo) {
      case `${ODRL_NS}purpose`: {
        const names = vals.map((v) => {
          const p = PURPOSE_BY_IRI.get(v.value)
          if (de) return p?.deFor ?? `zum Zweck ${this.value(v)}`
          return `${p?.label.en ?? this.value(v)}`
        })
        const text = joinList(names, this.lang, or)
        if (positive) return { where: 'middle', text: de ? `${only}${text}` : `${only}for ${text}` }
        if (negative) return { where: 'middle', text: de ? `nicht ${text}` : `not for ${text}` }
        return undefined
      }
      case `${ODRL_NS}dateTime`: {
        if (one === undefined) return undefined
        const d = formatDate(one.value, this.lang)
        const table: Record<string, [string, string]> = {
          lteq: [`bis zum ${d}`, `until ${d}`],
          lt: [`vor dem ${d}`, `before ${d}`],
          gteq: [`ab dem ${d}`, `from ${d}`],
          gt: [`nach dem ${d}`, `after ${d}`],
          eq: [`am ${d}`, `on ${d}`],
        }
        const t = table[op]
        return t === undefined ? undefined : { where: 'trailing', text: de ? t[0] : t[1] }
      }
      case `${ODRL_NS}count`: {
        if (one === undefined) return undefined
        const n = formatTimes(one.value, this.lang)
        const table: Record<string, [string, string]> = {
          lteq: [`höchstens ${n}`, `at most ${n}`],
          lt: [`weniger als ${n}`, `fewer than ${n}`],
          eq: [`genau ${n}`, `exactly ${n}`],
          gteq: [`mindestens ${n}`, `at least ${n}`],
          gt: [`mehr als ${n}`, `more than ${n}`],
        }
        const t = table[op]
        return t === undefined ? undefined : { where: 'middle', text: de ? t[0] : t[1] }
      }
      case `${ODRL_NS}elapsedTime`:
      case `${ODRL_NS}delayPeriod`: {
        if (one === undefined) return undefined
        const d = formatDuration(one.value, this.lang)
        const dd = formatDuration(one.value, this.lang, true)
        if (duty || lo === `${ODRL_NS}delayPeriod`) {
          const table: Record<string, [string, string]> = {
            eq: [`${d} nach Erhalt`, `${d} after receipt`],
            gteq: [`frühestens ${d} nach Erhalt`, `no sooner than ${d} after receipt`],
            gt: [`später als ${d} nach Erhalt`, `later than ${d} after receipt`],
            lteq: [`spätestens ${d} nach Erhalt`, `within ${d} of receipt`],
            lt: [`innerhalb von ${dd} nach Erhalt`, `within less than ${d} of receipt`],
          }
          const t = table[op]
          return t === undefined ? undefined : { where: 'middle', text: de ? t[0] : t[1] }
        }
        const table: Record<string, [string, string]> = {
          lteq: [`höchstens ${d} lang`, `for at most ${d}`],
          lt: [`weniger als ${d} lang`, `for less than ${d}`],
          eq: [`${d} lang`, `for ${d}`],
          gteq: [`mindestens ${d} lang`, `for at least ${d}`],
        }
        const t = table[op]
        return t === undefined ? undefined : { where: 'middle', text: de ? t[0] : t[1] }
      }
      case `${ALLMENDE_NS}artifactState`: {
        const names = vals.map((v) => PROFILE_VALUE_LABELS.get(v.value)?.[this.lang] ?? this.value(v))
        const text = joinList(names, this.lang, op === 'isAnyOf' ? or : undefined)
        if (positive || op === 'isAllOf') return { where: 'middle', text: `${only}${text}` }
        if (negative) return { where: 'middle', text: de ? `nicht ${text}` : `when not ${text}` }
        return undefined
      }
      default: {
        const phrases = NAMED_VALUE_PHRASES[lo]
        if (phrases === undefined) return undefined
        const key =
          op === 'isPartOf' || op === 'gteq' ? op : positive ? 'positive' : negative ? 'negative' : undefined
        const phrase =
          (key === undefined ? undefined : phrases[key]) ?? (positive ? phrases.positive : undefined)
        if (phrase === undefined || (op === 'gteq' && one === undefined)) return undefined
        const text = joinList(
          vals.map((v) => this.value(v)),
          this.lang,
          or,
        )
        // A negative phrase already says "not"; "only" belongs to what is allowed.
        const lead = negative ? '' : only
        return { where: 'middle', text: `${lead}${de ? phrase[0] : phrase[1]} ${text}` }
      }
    }
  }
}

/** German and English words put before the named values of a constraint, by operator kind. */
type NamedValuePhrases = Partial<
  Record<'positive' | 'negative' | 'isPartOf' | 'gteq', readonly [string, string]>
>

const PLACE_PHRASES: NamedValuePhrases = {
  isPartOf: ['innerhalb von', 'within'],
  positive: ['in', 'in'],
  negative: ['nicht in', 'not in'],
}

/** Left operands whose values are names (places, events, connectors, roles …) read "<words> <names>". */
const NAMED_VALUE_PHRASES: Readonly<Record<string, NamedValuePhrases>> = {
  [`${ODRL_NS}spatial`]: PLACE_PHRASES,
  [`${ODRL_NS}virtualLocation`]: PLACE_PHRASES,
  [`${ODRL_NS}event`]: { positive: ['bei', 'in the event of'] },
  [`${ALLMENDE_NS}dataSpaceMembership`]: {
    positive: ['als Mitglied des Datenraums', 'as a member of the data space'],
  },
  [`${ALLMENDE_NS}connector`]: {
    positive: ['über den Konnektor', 'through the connector'],
    negative: ['nicht über den Konnektor', 'not through the connector'],
  },
  [`${ALLMENDE_NS}securityLevel`]: {
    gteq: ['mit mindestens dem', 'with at least the'],
    positive: ['mit dem', 'with the'],
  },
  [`${ALLMENDE_NS}role`]: { positive: ['in der Rolle', 'in the role'] },
  [`${ALLMENDE_NS}contractRef`]: { positive: ['im Rahmen des Vertrags', 'under the contract'] },
}

function sameIris(a: readonly TreeNode[], b: readonly TreeNode[]): boolean {
  return a.length === b.length && a.every((x, i) => x.iri !== undefined && x.iri === b[i]?.iri)
}

/** The label in a language, else one without language tag, else any. */
function pick(labels: LabelSet, lang: Lang): string | undefined {
  return (
    labels.get(lang) ??
    labels.get('') ??
    [...labels.entries()].find(([l]) => l.startsWith(lang))?.[1] ??
    labels.values().next().value
  )
}
