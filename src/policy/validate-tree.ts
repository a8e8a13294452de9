/**
 * Reads an ODRL policy in compact JSON-LD as written by people (ODRL context terms, `odrl:` CURIEs
 * or full IRIs, the Allmende profile's terms) into a tree that keeps, for every node, the path to
 * where it stands in the document (`permission[0].constraint[1]`). The validator reports against
 * these paths and the explainer reads labels from the same tree; the evaluator uses the parsed
 * model instead (`model.ts`), which is atomic and no longer knows where a rule was written.
 */

import { type IssueParams, issueMessage } from './messages.js'
import { OPERATORS, PARTY_FUNCTIONS } from './model.js'
import {
  ALLMENDE_NS,
  DPV_NS,
  PROFILE_ACTIONS,
  PROFILE_LEFT_OPERANDS,
  PROFILE_VALUE_LABELS,
  PURPOSES,
} from './profile.js'
import { LEFT_OPERANDS, ODRL_ACTIONS, ODRL_NS } from './vocabulary.js'

/**
 * One finding of the validator: where (`permission[0].action`), what (stable `code`), the values
 * the message names (`params`), and the message in English. `issueMessage(code, params, 'de')`
 * gives it in German.
 */
export interface Issue {
  /** Path into the JSON-LD document, `''` for the policy node itself. */
  readonly path: string
  /** Stable kebab-case code, e.g. `unknown-left-operand`. */
  readonly code: string
  readonly params: IssueParams
  readonly message: string
}

/** An issue with its English message. */
export function makeIssue(path: string, code: string, params: IssueParams = {}): Issue {
  return { path, code, params, message: issueMessage(code, params, 'en') }
}

/** A value as written: an IRI (or DID) or a literal with its datatype or language. */
export interface TreeValue {
  readonly kind: 'iri' | 'literal'
  readonly value: string
  readonly datatype?: string
  readonly language?: string
  readonly path: string
}

/** An atomic or logical constraint (or refinement). */
export type TreeConstraint = TreeAtomicConstraint | TreeLogicalConstraint

export interface TreeAtomicConstraint {
  readonly kind: 'atomic'
  readonly path: string
  /** Absolute IRI, or the bare word when it could not be resolved. */
  readonly leftOperand?: string
  /** Local name for ODRL operators (`lteq`), else the IRI. */
  readonly operator?: string
  readonly rightOperand: readonly TreeValue[]
  readonly rightOperandReference?: string
  readonly dataType?: string
  readonly unit?: string
}

export interface TreeLogicalConstraint {
  readonly kind: 'logical'
  readonly path: string
  readonly operand: 'and' | 'or' | 'xone' | 'andSequence'
  readonly members: readonly TreeConstraint[]
}

/** A party or asset reference, possibly a collection with a refinement. */
export interface TreeNode {
  readonly path: string
  readonly iri?: string
  readonly collection: boolean
  readonly refinement: readonly TreeConstraint[]
}

export interface TreeAction {
  readonly path: string
  /** Absolute action IRI, or the bare word when it could not be resolved. */
  readonly iri: string
  readonly refinement: readonly TreeConstraint[]
}

export type RuleRole = 'permission' | 'prohibition' | 'obligation' | 'duty' | 'remedy' | 'consequence'

/** A rule as written (possibly compact: several actions, targets or parties). */
export interface TreeRule {
  readonly role: RuleRole
  readonly path: string
  readonly actions: readonly TreeAction[]
  readonly targets: readonly TreeNode[]
  /** Party function (local name, `assignee`) -> parties. */
  readonly parties: ReadonlyMap<string, readonly TreeNode[]>
  readonly constraints: readonly TreeConstraint[]
  /** `duty` of a permission, `remedy` of a prohibition, `consequence` of a duty. */
  readonly children: readonly TreeRule[]
}

/** Labels of one node: language tag (lower case, `''` for none) -> text. */
export type LabelSet = ReadonlyMap<string, string>

export interface PolicyTree {
  readonly uid?: string
  /** Local names of the ODRL policy types given (`Offer`), or IRIs for others. */
  readonly types: readonly string[]
  readonly profiles: readonly string[]
  readonly conflict?: string
  readonly inheritFrom: readonly string[]
  /** Policy-level parties, targets and actions (they apply to every rule, IM §2.6). */
  readonly parties: ReadonlyMap<string, readonly TreeNode[]>
  readonly targets: readonly TreeNode[]
  readonly actions: readonly TreeAction[]
  readonly permissions: readonly TreeRule[]
  readonly prohibitions: readonly TreeRule[]
  readonly obligations: readonly TreeRule[]
  /** Labels found on any node of the document (`rdfs:label`, `dct:title`, `schema:name`, ...). */
  readonly labels: ReadonlyMap<string, LabelSet>
  /** The policy's own title and description. */
  readonly title: LabelSet
  readonly description: LabelSet
}

/** Result of reading: the tree (absent when the document is not a policy at all) and the errors. */
export interface TreeReadResult {
  readonly tree?: PolicyTree
  readonly errors: readonly Issue[]
}

const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'
const RDFS_NS = 'http://www.w3.org/2000/01/rdf-schema#'
const XSD_NS = 'http://www.w3.org/2001/XMLSchema#'
const DCT_NS = 'http://purl.org/dc/terms/'
const SCHEMA_NS = 'http://schema.org/'
const SKOS_NS = 'http://www.w3.org/2004/02/skos/core#'
const VCARD_NS = 'http://www.w3.org/2006/vcard/ns#'
const FOAF_NS = 'http://xmlns.com/foaf/0.1/'

/** Prefixes everyone uses; a document's own `@context` may add or override. */
const KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  odrl: ODRL_NS,
  rdf: RDF_NS,
  rdfs: RDFS_NS,
  xsd: XSD_NS,
  dct: DCT_NS,
  dc: 'http://purl.org/dc/elements/1.1/',
  schema: SCHEMA_NS,
  skos: SKOS_NS,
  vcard: VCARD_NS,
  foaf: FOAF_NS,
  owl: 'http://www.w3.org/2002/07/owl#',
  cc: 'http://creativecommons.org/ns#',
  dpv: DPV_NS,
  allmende: ALLMENDE_NS,
  idsc: 'https://w3id.org/idsa/code/',
  ids: 'https://w3id.org/idsa/core/',
}

/** Schemes whose strings are taken as IRIs, not CURIEs. */
const IRI_SCHEMES = new Set(['http', 'https', 'urn', 'did', 'mailto', 'tag', 'file'])

const POLICY_TYPES = new Set([
  'Policy',
  'Set',
  'Offer',
  'Agreement',
  'Request',
  'Privacy',
  'Assertion',
  'Ticket',
])
const LOGICAL = ['and', 'or', 'xone', 'andSequence'] as const
const PARTY_FUNCTION_NAMES: ReadonlySet<string> = new Set(PARTY_FUNCTIONS)
const LABEL_PROPERTIES = new Set([
  `${RDFS_NS}label`,
  `${DCT_NS}title`,
  `${SCHEMA_NS}name`,
  `${SKOS_NS}prefLabel`,
  `${VCARD_NS}fn`,
  `${FOAF_NS}name`,
  'label',
  'title',
  'name',
])
const DESCRIPTION_PROPERTIES = new Set([`${DCT_NS}description`, `${SCHEMA_NS}description`, 'description'])

/** Bare words that name profile terms (`dataSpaceMembership`), from the profile's context. */
const PROFILE_TERMS: ReadonlyMap<string, string> = new Map([
  ...PROFILE_LEFT_OPERANDS.map((o) => [o.term, o.iri] as const),
  ...[...PROFILE_ACTIONS.keys(), ...PROFILE_VALUE_LABELS.keys(), ...PURPOSES.map((p) => p.iri)]
    .filter((iri) => iri.startsWith(ALLMENDE_NS))
    .map((iri) => [iri.slice(ALLMENDE_NS.length), iri] as const),
])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Reads the document; see {@link PolicyTree}. Never throws on bad input: problems become errors. */
export function readPolicyTree(doc: unknown): TreeReadResult {
  return new TreeReader().read(doc)
}

class TreeReader {
  private readonly prefixes = new Map<string, string>(Object.entries(KNOWN_PREFIXES))
  /** Terms the document's own context defines (term -> IRI). */
  private readonly terms = new Map<string, string>()
  private readonly graph = new Map<string, JsonObject>()
  private readonly labels = new Map<string, Map<string, string>>()
  readonly errors: Issue[] = []

  read(doc: unknown): TreeReadResult {
    if (!isObject(doc)) {
      this.error('', 'not-an-object')
      return { errors: this.errors }
    }
    this.readContext(doc['@context'])
    let node: JsonObject = doc
    let base = ''
    const graph = doc['@graph']
    if (Array.isArray(graph)) {
      graph.forEach((n) => {
        if (!isObject(n)) return
        this.readContext(n['@context'])
        const id = this.idOf(n)
        if (id !== undefined) this.graph.set(id, n)
      })
      const index = graph.findIndex((n) => isObject(n) && this.typesOf(n).some((t) => POLICY_TYPES.has(t)))
      if (index < 0) {
        this.error('@graph', 'no-policy')
        return { errors: this.errors }
      }
      node = graph[index] as JsonObject
      base = `@graph[${index}]`
    }
    this.collectLabels(doc)
    return { tree: this.readPolicy(node, base), errors: this.errors }
  }

  private error(path: string, code: string, params: IssueParams = {}): void {
    this.errors.push(makeIssue(path, code, params))
  }

  private readContext(ctx: Json | undefined): void {
    if (ctx === undefined || ctx === null) return
    if (Array.isArray(ctx)) {
      for (const c of ctx) this.readContext(c)
      return
    }
    if (!isObject(ctx)) return
    for (const [key, value] of Object.entries(ctx)) {
      if (key.startsWith('@')) continue
      const iri = typeof value === 'string' ? value : isObject(value) ? value['@id'] : undefined
      if (typeof iri !== 'string') continue
      if (/[/#:]$/.test(iri) && !key.includes(':')) this.prefixes.set(key, iri)
      else this.terms.set(key, iri)
    }
  }

  /** Expands a CURIE or absolute IRI; undefined for a bare word. */
  private expandCurie(s: string): string | undefined {
    if (s.startsWith('_:')) return s
    const colon = s.indexOf(':')
    if (colon <= 0) return undefined
    const prefix = s.slice(0, colon)
    const ns = this.prefixes.get(prefix)
    if (ns !== undefined && !s.slice(colon + 1).startsWith('//')) return ns + s.slice(colon + 1)
    if (IRI_SCHEMES.has(prefix.toLowerCase()) || /^[a-z][a-z0-9+.-]*$/i.test(prefix)) return s
    return undefined
  }

  /** A value in a vocabulary position (`@type: @vocab`): action, left operand, operator, type. */
  vocab(s: string): string {
    const own = this.terms.get(s)
    if (own !== undefined) return this.expandCurie(own) ?? own
    const expanded = this.expandCurie(s)
    if (expanded !== undefined) return expanded
    if (ODRL_WORDS.has(s)) return ODRL_NS + s
    return PROFILE_TERMS.get(s) ?? ODRL_NS + s
  }

  /** A value in an `@id` position: IRIs, CURIEs, DIDs; bare words stay as written. */
  id(s: string): string {
    const own = this.terms.get(s)
    if (own !== undefined) return this.expandCurie(own) ?? own
    return this.expandCurie(s) ?? PROFILE_TERMS.get(s) ?? s
  }

  /** Property key -> ODRL local name (`permission`), `uid`, `type`, or the full IRI of others. */
  private key(k: string): string {
    if (k === '@id' || k === 'uid' || k === `${ODRL_NS}uid` || k === 'odrl:uid') return 'uid'
    if (k === '@type' || k === 'type') return 'type'
    if (k.startsWith('@')) return k
    const own = this.terms.get(k)
    const iri = own !== undefined ? (this.expandCurie(own) ?? own) : this.expandCurie(k)
    if (iri === undefined) return k
    if (iri.startsWith(ODRL_NS)) return iri.slice(ODRL_NS.length)
    if (iri === `${RDF_NS}value`) return 'value'
    if (iri === `${RDF_NS}type`) return 'type'
    return iri
  }

  /** The node's entries under normalized keys, with the key as written (for paths). */
  private entries(node: JsonObject): Map<string, { raw: string; value: Json }> {
    const out = new Map<string, { raw: string; value: Json }>()
    for (const [raw, value] of Object.entries(node)) {
      if (raw === '@context') continue
      out.set(this.key(raw), { raw, value })
    }
    return out
  }

  private idOf(node: JsonObject): string | undefined {
    const e = this.entries(node).get('uid')
    if (e === undefined) return undefined
    const v = isObject(e.value) ? e.value['@id'] : e.value
    return typeof v === 'string' ? this.id(v) : undefined
  }

  private typesOf(node: JsonObject): string[] {
    const e = this.entries(node).get('type')
    if (e === undefined) return []
    return list(e.value).flatMap((t) => {
      const s = typeof t === 'string' ? t : isObject(t) && typeof t['@id'] === 'string' ? t['@id'] : undefined
      if (s === undefined) return []
      const iri = this.vocab(s)
      return [iri.startsWith(ODRL_NS) ? iri.slice(ODRL_NS.length) : iri]
    })
  }

  /** A node in an object position: inline, or a reference resolved against the @graph. */
  private resolve(v: Json): Json {
    const ref =
      typeof v === 'string' ? this.id(v) : isObject(v) && Object.keys(v).length === 1 ? v['@id'] : undefined
    if (typeof ref === 'string') {
      const node = this.graph.get(this.id(ref))
      if (node !== undefined) return node
    }
    return v
  }

  private collectLabels(v: Json): void {
    if (Array.isArray(v)) {
      for (const x of v) this.collectLabels(x)
      return
    }
    if (!isObject(v)) return
    const id = this.idOf(v)
    for (const [raw, value] of Object.entries(v)) {
      if (raw === '@context') continue
      const k = this.key(raw)
      if (id !== undefined && LABEL_PROPERTIES.has(k)) {
        const set = this.labels.get(id) ?? new Map<string, string>()
        for (const [lang, text] of languageValues(value)) if (!set.has(lang)) set.set(lang, text)
        this.labels.set(id, set)
      }
      this.collectLabels(value)
    }
  }

  private readPolicy(node: JsonObject, base: string): PolicyTree {
    const e = this.entries(node)
    const at = (k: string) => join(base, e.get(k)?.raw ?? k)
    const types = this.typesOf(node)
    if (types.length === 0) {
      this.error(at('type'), 'missing-type')
    } else if (!types.some((t) => POLICY_TYPES.has(t))) {
      this.error(at('type'), 'unknown-policy-type', { types })
    }
    const uid = this.idOf(node)
    if (uid === undefined) this.error(base, 'missing-uid')
    const profiles = this.iris(e.get('profile')?.value, at('profile'))
    const inheritFrom = this.iris(e.get('inheritFrom')?.value, at('inheritFrom'))
    let conflict: string | undefined
    const c = e.get('conflict')
    if (c !== undefined) {
      const raw = isObject(c.value) ? c.value['@id'] : c.value
      const v = typeof raw === 'string' ? this.vocab(raw) : undefined
      conflict = v?.startsWith(ODRL_NS) ? v.slice(ODRL_NS.length) : v
      if (conflict === undefined || !['perm', 'prohibit', 'invalid'].includes(conflict)) {
        this.error(at('conflict'), 'bad-conflict', { value: JSON.stringify(c.value) })
        conflict = undefined
      }
    }
    const parties = this.readParties(e, base)
    const targets = this.readNodes(e.get('target'), base, 'asset')
    const actions = e.has('action') ? this.readActions(e.get('action'), base) : []
    const rules = (k: 'permission' | 'prohibition' | 'obligation') => {
      const entry = e.get(k)
      if (entry === undefined) return []
      return indexed(entry.value, join(base, entry.raw)).flatMap(([v, path]) => {
        const r = this.readRule(this.resolve(v), path, k)
        return r === undefined ? [] : [r]
      })
    }
    const permissions = rules('permission')
    const prohibitions = rules('prohibition')
    const obligations = rules('obligation')
    if (permissions.length + prohibitions.length + obligations.length === 0 && inheritFrom.length === 0) {
      this.error(base, 'no-rules')
    }
    const title = new Map<string, string>()
    const description = new Map<string, string>()
    for (const [k, { value }] of e) {
      if (LABEL_PROPERTIES.has(k))
        for (const [l, t] of languageValues(value)) if (!title.has(l)) title.set(l, t)
      if (DESCRIPTION_PROPERTIES.has(k)) for (const [l, t] of languageValues(value)) description.set(l, t)
    }
    return {
      ...(uid !== undefined && { uid }),
      types,
      profiles,
      ...(conflict !== undefined && { conflict }),
      inheritFrom,
      parties,
      targets,
      actions,
      permissions,
      prohibitions,
      obligations,
      labels: this.labels,
      title,
      description,
    }
  }

  private iris(v: Json | undefined, path: string): string[] {
    return indexed(v, path).flatMap(([x, p]) => {
      const s = typeof x === 'string' ? x : isObject(x) && typeof x['@id'] === 'string' ? x['@id'] : undefined
      if (s === undefined) {
        this.error(p, 'not-an-iri', { value: JSON.stringify(x) })
        return []
      }
      return [this.id(s)]
    })
  }

  private readParties(e: Map<string, { raw: string; value: Json }>, base: string): Map<string, TreeNode[]> {
    const out = new Map<string, TreeNode[]>()
    for (const [k, entry] of e) {
      if (!PARTY_FUNCTION_NAMES.has(k)) continue
      out.set(k, this.readNodes(entry, base, 'party'))
    }
    return out
  }

  private readNodes(
    entry: { raw: string; value: Json } | undefined,
    base: string,
    what: 'party' | 'asset',
  ): TreeNode[] {
    if (entry === undefined) return []
    return indexed(entry.value, join(base, entry.raw)).flatMap(([raw, path]) => {
      const v = this.resolve(raw)
      if (typeof v === 'string') return [{ path, iri: this.id(v), collection: false, refinement: [] }]
      if (!isObject(v)) {
        this.error(path, `bad-${what}`, { value: JSON.stringify(v) })
        return []
      }
      const iri = this.idOf(v)
      const types = this.typesOf(v)
      const ne = this.entries(v)
      const refinement = this.readConstraints(ne.get('refinement'), path)
      const collection =
        types.includes(what === 'party' ? 'PartyCollection' : 'AssetCollection') || refinement.length > 0
      if (iri === undefined && refinement.length === 0 && !ne.has('source')) {
        this.error(path, `bad-${what}`)
      }
      return [{ path, ...(iri !== undefined && { iri }), collection, refinement }]
    })
  }

  private readActions(entry: { raw: string; value: Json } | undefined, base: string): TreeAction[] {
    if (entry === undefined) return []
    return indexed(entry.value, join(base, entry.raw)).flatMap(([v, path]) => {
      if (typeof v === 'string') return [{ path, iri: this.vocab(v), refinement: [] }]
      if (isObject(v)) {
        const ne = this.entries(v)
        const value = ne.get('value')?.value ?? ne.get('uid')?.value
        const name = typeof value === 'string' ? value : isObject(value) ? value['@id'] : undefined
        if (typeof name === 'string') {
          return [
            { path, iri: this.vocab(name), refinement: this.readConstraints(ne.get('refinement'), path) },
          ]
        }
      }
      this.error(path, 'bad-action', { value: JSON.stringify(v) })
      return []
    })
  }

  private readRule(v: Json, path: string, role: RuleRole): TreeRule | undefined {
    if (!isObject(v)) {
      this.error(path, 'not-a-rule', { role, value: JSON.stringify(v) })
      return undefined
    }
    const e = this.entries(v)
    const allowed: Record<RuleRole, string> = {
      permission: 'duty',
      prohibition: 'remedy',
      obligation: 'consequence',
      duty: 'consequence',
      remedy: 'consequence',
      consequence: 'consequence',
    }
    const children: TreeRule[] = []
    for (const childKey of ['duty', 'remedy', 'consequence'] as const) {
      const entry = e.get(childKey)
      if (entry === undefined) continue
      const childPath = join(path, entry.raw)
      if (allowed[role] !== childKey || (childKey === 'consequence' && role === 'consequence')) {
        this.error(childPath, 'misplaced-rule', { role, child: childKey })
        continue
      }
      for (const [cv, cp] of indexed(entry.value, childPath)) {
        const child = this.readRule(this.resolve(cv), cp, childKey)
        if (child !== undefined) children.push(child)
      }
    }
    return {
      role,
      path,
      actions: this.readActions(e.get('action'), path),
      targets: this.readNodes(e.get('target'), path, 'asset'),
      parties: this.readParties(e, path),
      constraints: this.readConstraints(e.get('constraint'), path),
      children,
    }
  }

  private readConstraints(entry: { raw: string; value: Json } | undefined, base: string): TreeConstraint[] {
    if (entry === undefined) return []
    return indexed(entry.value, join(base, entry.raw)).flatMap(([v, path]) => {
      const c = this.readConstraint(this.resolve(v), path)
      return c === undefined ? [] : [c]
    })
  }

  private readConstraint(v: Json, path: string): TreeConstraint | undefined {
    if (!isObject(v)) {
      this.error(path, 'bad-constraint', { value: JSON.stringify(v) })
      return undefined
    }
    const e = this.entries(v)
    const logical = LOGICAL.filter((op) => e.has(op))
    if (logical.length > 0) {
      if (logical.length > 1) {
        this.error(path, 'bad-logical-constraint', { variant: 'several', operands: logical })
      }
      if (e.has('leftOperand')) {
        this.error(path, 'bad-logical-constraint', { variant: 'mixed' })
      }
      // the first operand as written counts; the members of any other are still checked
      const written = [...e.keys()].filter((k): k is (typeof LOGICAL)[number] =>
        (LOGICAL as readonly string[]).includes(k),
      )
      for (const extra of written.slice(1)) {
        const x = e.get(extra) as { raw: string; value: Json }
        this.readConstraints({ raw: x.raw, value: listItems(x.value) }, path)
      }
      const operand = written[0] as TreeLogicalConstraint['operand']
      const entry = e.get(operand) as { raw: string; value: Json }
      const members = this.readConstraints({ raw: entry.raw, value: listItems(entry.value) }, path)
      if (members.length === 0) {
        this.error(join(path, entry.raw), 'bad-logical-constraint', { variant: 'empty', operand })
      }
      return { kind: 'logical', path, operand, members }
    }
    const lo = e.get('leftOperand')
    const op = e.get('operator')
    const ro = e.get('rightOperand')
    const ref = e.get('rightOperandReference')
    const name = (x: Json | undefined) =>
      typeof x === 'string' ? x : isObject(x) && typeof x['@id'] === 'string' ? x['@id'] : undefined
    let leftOperand: string | undefined
    if (lo === undefined) this.error(path, 'missing-left-operand')
    else {
      const n = name(lo.value)
      if (n === undefined)
        this.error(join(path, lo.raw), 'bad-left-operand', { value: JSON.stringify(lo.value) })
      else leftOperand = this.vocab(n)
    }
    let operator: string | undefined
    if (op === undefined) this.error(path, 'missing-operator')
    else {
      const n = name(op.value)
      const iri = n === undefined ? undefined : this.vocab(n)
      if (iri === `${ODRL_NS}neg`)
        operator = 'neq' // the published ODRL context maps neq to odrl:neg
      else if (iri?.startsWith(ODRL_NS) && KNOWN_OPERATORS.has(iri.slice(ODRL_NS.length)))
        operator = iri.slice(ODRL_NS.length)
      else {
        this.error(join(path, op.raw), 'unknown-operator', {
          value: JSON.stringify(op.value),
          operators: [...KNOWN_OPERATORS],
        })
      }
    }
    if (ro === undefined && ref === undefined) {
      this.error(path, 'missing-right-operand')
    }
    if (ro !== undefined && ref !== undefined) {
      this.error(path, 'both-right-operands')
    }
    const rightOperand = ro === undefined ? [] : this.values(listItems(ro.value), join(path, ro.raw))
    const refIri = ref === undefined ? undefined : name(ref.value)
    const dt = e.get('datatype') ?? e.get('dataType')
    const dataType = dt === undefined ? undefined : name(dt.value)
    const unit = e.get('unit')
    const unitIri = unit === undefined ? undefined : name(unit.value)
    return {
      kind: 'atomic',
      path,
      ...(leftOperand !== undefined && { leftOperand }),
      ...(operator !== undefined && { operator }),
      rightOperand,
      ...(refIri !== undefined && { rightOperandReference: this.id(refIri) }),
      ...(dataType !== undefined && { dataType: this.id(dataType) }),
      ...(unitIri !== undefined && { unit: this.id(unitIri) }),
    }
  }

  private values(v: Json, path: string): TreeValue[] {
    return indexed(v, path).flatMap(([x, p]): TreeValue[] => {
      if (typeof x === 'number') {
        return [
          {
            kind: 'literal',
            value: String(x),
            datatype: XSD_NS + (Number.isInteger(x) ? 'integer' : 'decimal'),
            path: p,
          },
        ]
      }
      if (typeof x === 'boolean')
        return [{ kind: 'literal', value: String(x), datatype: `${XSD_NS}boolean`, path: p }]
      if (typeof x === 'string') {
        const iri = looksLikeIri(x) ? this.expandCurie(x) : undefined
        return [
          iri !== undefined ? { kind: 'iri', value: iri, path: p } : { kind: 'literal', value: x, path: p },
        ]
      }
      if (isObject(x)) {
        if ('@value' in x) {
          const type = x['@type']
          const lang = x['@language']
          return [
            {
              kind: 'literal',
              value: String(x['@value']),
              ...(typeof type === 'string' && { datatype: this.id(type) }),
              ...(typeof lang === 'string' && { language: lang.toLowerCase() }),
              path: p,
            },
          ]
        }
        const id = this.idOf(x)
        if (id !== undefined) return [{ kind: 'iri', value: id, path: p }]
      }
      this.error(p, 'bad-right-operand', { value: JSON.stringify(x) })
      return []
    })
  }
}

const KNOWN_OPERATORS: ReadonlySet<string> = new Set(OPERATORS)

/** Bare words of the ODRL vocabulary; they win over the profile's words. */
const ODRL_WORDS: ReadonlySet<string> = new Set([
  ...ODRL_ACTIONS.filter((a) => a.startsWith(ODRL_NS)).map((a) => a.slice(ODRL_NS.length)),
  ...Object.keys(LEFT_OPERANDS),
  ...KNOWN_OPERATORS,
  ...POLICY_TYPES,
  ...LOGICAL,
  'perm',
  'prohibit',
  'invalid',
  'neg',
  'policyUsage',
  'Party',
  'PartyCollection',
  'Asset',
  'AssetCollection',
  'Permission',
  'Prohibition',
  'Duty',
  'Constraint',
  'LogicalConstraint',
])

/** A right operand string is an IRI when it has a scheme or a known-looking prefix (`dpv:X`, `did:web:x`). */
function looksLikeIri(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(s) && !/^\d{4}-\d{2}-\d{2}/.test(s) && !/^-?P/.test(s)
}

function list(v: Json | undefined): Json[] {
  if (v === undefined) return []
  const items = listItems(v)
  return Array.isArray(items) ? items : [items]
}

/** `{"@list": [...]}` and `{"@set": [...]}` unwrap to their arrays. */
function listItems(v: Json): Json {
  if (isObject(v)) {
    const l = v['@list'] ?? v['@set']
    if (l !== undefined) return l
  }
  return v
}

/** Pairs of (value, path): arrays get `[i]`, a single value keeps the property path. */
function indexed(v: Json | undefined, path: string): [Json, string][] {
  if (v === undefined) return []
  const items = listItems(v)
  if (Array.isArray(items)) return items.map((x, i) => [x, `${path}[${i}]`])
  return [[items, path]]
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`
}

/** Language -> text for a label value: string, `{@value, @language}`, a language map, or arrays of those. */
function languageValues(v: Json): [string, string][] {
  if (typeof v === 'string') return [['', v]]
  if (Array.isArray(v)) return v.flatMap(languageValues)
  if (isObject(v)) {
    if ('@value' in v) {
      const lang = v['@language']
      return [[typeof lang === 'string' ? lang.toLowerCase() : '', String(v['@value'])]]
    }
    // a language map (`"title": {"de": "...", "en": "..."}` under a `@container: @language` term)
    return Object.entries(v).flatMap(([lang, text]) =>
      typeof text === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/i.test(lang)
        ? [[lang.toLowerCase(), text] as [string, string]]
        : [],
    )
  }
  return []
}
