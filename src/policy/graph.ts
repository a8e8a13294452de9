/**
 * A tiny RDF graph index and the two readers that fill it: Turtle (n3) and JSON-LD. JSON-LD in the
 * common shape (compact, the standard ODRL context, no `@graph`) is read by a direct walk over the
 * ODRL context's term table, which is an order of magnitude faster than full expansion; anything
 * else goes through jsonld.js with an offline document loader.
 */
import { createRequire } from 'node:module'
import type { JsonLdDocument } from 'jsonld'
import { Parser } from 'n3'
import { parseJsonWithPosition } from '../util/json-syntax.js'
import { loadJsonld } from '../util/jsonld.js'
import { PolicyNeedsAsyncParseError, PolicyParseError } from './errors.js'
import type { Iri, Term } from './model.js'
import { RDF_FIRST, RDF_NIL, RDF_REST, RDF_TYPE, XSD_NS, XSD_STRING } from './vocabulary.js'

const require = createRequire(import.meta.url)
const odrlContextPackage = require('@digitalbazaar/odrl-context') as {
  contexts: Map<string, { '@context': Record<string, unknown> }>
  CONTEXT_URL_V1: string
}

/** The ODRL 2.2 JSON-LD context URL; `http:` and `https:` are both accepted. */
export const ODRL_CONTEXT_URL = odrlContextPackage.CONTEXT_URL_V1
/**
 * The published ODRL 2.2 context has two errata: `neq` maps to `odrl:neg` and `industry` to
 * `odrl:industry:`. Both readers use a copy with the vocabulary's IRIs (`odrl:neq`, `odrl:industry`).
 */
const ODRL_CONTEXT: { '@context': Record<string, unknown> } = (() => {
  const published = odrlContextPackage.contexts.get(ODRL_CONTEXT_URL) as {
    '@context': Record<string, unknown>
  }
  return { '@context': { ...published['@context'], neq: 'odrl:neq', industry: 'odrl:industry' } }
})()

function isOdrlContextUrl(url: unknown): boolean {
  return url === ODRL_CONTEXT_URL || url === 'http://www.w3.org/ns/odrl.jsonld'
}

/** A set of triples indexed by subject and predicate, in insertion order. */
export class Graph {
  private readonly index = new Map<string, Map<Iri, Term[]>>()
  private size = 0

  /** Adds one triple; the subject is an IRI or a `_:` blank node label. */
  add(subject: string, predicate: Iri, object: Term): void {
    let byPredicate = this.index.get(subject)
    if (byPredicate === undefined) {
      byPredicate = new Map()
      this.index.set(subject, byPredicate)
    }
    const objects = byPredicate.get(predicate)
    if (objects === undefined) byPredicate.set(predicate, [object])
    else objects.push(object)
    this.size++
  }

  /** Number of triples. */
  get tripleCount(): number {
    return this.size
  }

  /** All subjects. */
  subjects(): IterableIterator<string> {
    return this.index.keys()
  }

  hasSubject(subject: string): boolean {
    return this.index.has(subject)
  }

  /** The objects of `subject predicate ?o`, in document order. */
  objects(subject: string, predicate: Iri): readonly Term[] {
    return this.index.get(subject)?.get(predicate) ?? EMPTY
  }

  /** The first object of `subject predicate ?o`. */
  one(subject: string, predicate: Iri): Term | undefined {
    return this.index.get(subject)?.get(predicate)?.[0]
  }

  /** All predicates and objects of a subject. */
  properties(subject: string): ReadonlyMap<Iri, readonly Term[]> {
    return this.index.get(subject) ?? EMPTY_MAP
  }

  /** Does `subject rdf:type type` hold? */
  hasType(subject: string, type: Iri): boolean {
    return this.objects(subject, RDF_TYPE).some((t) => t.value === type)
  }

  /** Every triple, in insertion order. */
  *triples(): IterableIterator<[string, Iri, Term]> {
    for (const [s, byPredicate] of this.index) {
      for (const [p, objects] of byPredicate) for (const o of objects) yield [s, p, o]
    }
  }

  /** Adds every triple of another graph. */
  addAll(other: Graph): void {
    for (const [s, p, o] of other.triples()) this.add(s, p, o)
  }

  /**
   * The values of `subject predicate ?o`, with RDF lists flattened in order (`[a, b]` written as an
   * `rdf:List` and repeated values both become `a, b`).
   */
  values(subject: string, predicate: Iri): Term[] {
    const out: Term[] = []
    for (const o of this.objects(subject, predicate)) this.flattenList(o, out)
    return out
  }

  private flattenList(term: Term, out: Term[]): void {
    if (term.termType === 'NamedNode' && term.value === RDF_NIL) return
    if (term.termType !== 'Literal' && this.one(term.value, RDF_FIRST) !== undefined) {
      const seen = new Set<string>()
      let node: Term | undefined = term
      while (node !== undefined && node.value !== RDF_NIL && !seen.has(node.value)) {
        seen.add(node.value)
        const first = this.one(node.value, RDF_FIRST)
        if (first !== undefined) out.push(first)
        node = this.one(node.value, RDF_REST)
      }
      return
    }
    out.push(term)
  }
}

const EMPTY: readonly Term[] = []
const EMPTY_MAP: ReadonlyMap<Iri, readonly Term[]> = new Map()

/** Builds an IRI term. */
export function namedNode(value: Iri): Term {
  return value.startsWith('_:') ? { termType: 'BlankNode', value } : { termType: 'NamedNode', value }
}

/** Builds a literal term (`xsd:string` when no datatype). */
export function literal(value: string, datatype: Iri = XSD_STRING, language?: string): Term {
  return language === undefined
    ? { termType: 'Literal', value, datatype }
    : {
        termType: 'Literal',
        value,
        datatype: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString',
        language,
      }
}

let documentCounter = 0

/** Reads Turtle (or N-Triples) into a graph; blank node labels are unique per call. */
export function parseTurtle(text: string, baseIri?: string): Graph {
  const graph = new Graph()
  let quads: import('n3').Quad[]
  try {
    quads = new Parser(baseIri === undefined ? {} : { baseIRI: baseIri }).parse(
      text,
    ) as unknown as import('n3').Quad[]
  } catch (error) {
    throw new PolicyParseError(`Turtle is not well-formed: ${(error as Error).message}`, { cause: error })
  }
  const prefix = `_:t${documentCounter++}_`
  const subject = (t: { termType: string; value: string }): string =>
    t.termType === 'BlankNode' ? prefix + t.value : t.value
  for (const q of quads) {
    const o = q.object
    let object: Term
    if (o.termType === 'Literal') {
      object = o.language
        ? literal(o.value, undefined, o.language.toLowerCase())
        : literal(o.value, o.datatype.value || XSD_STRING)
    } else if (o.termType === 'BlankNode') {
      object = { termType: 'BlankNode', value: prefix + o.value }
    } else {
      object = { termType: 'NamedNode', value: o.value }
    }
    graph.add(subject(q.subject), q.predicate.value, object)
  }
  return graph
}

/** A JSON-LD document loader that serves the bundled ODRL context and nothing else (no network). */
export async function offlineDocumentLoader(url: string): Promise<{
  contextUrl: undefined
  documentUrl: string
  document: unknown
}> {
  if (isOdrlContextUrl(url)) return { contextUrl: undefined, documentUrl: url, document: ODRL_CONTEXT }
  throw new PolicyParseError(
    `JSON-LD context ${url} is not available offline; use the ODRL context ${ODRL_CONTEXT_URL} or inline the context`,
  )
}

/** Reads any JSON-LD: the fast path when it applies, else full expansion by jsonld.js (offline). */
export async function parseJsonLd(input: unknown): Promise<Graph> {
  const fast = parseJsonLdFast(input)
  if (fast !== undefined) return fast
  let quads: Array<{
    subject: { termType: string; value: string }
    predicate: { value: string }
    object: { termType: string; value: string; datatype?: { value: string }; language?: string }
  }>
  const jsonld = await loadJsonld()
  try {
    quads = (await jsonld.toRDF(input as JsonLdDocument, {
      documentLoader: offlineDocumentLoader as never,
    })) as unknown as typeof quads
  } catch (error) {
    if (error instanceof PolicyParseError) throw error
    const cause = (error as { details?: { cause?: unknown } }).details?.cause
    if (cause instanceof PolicyParseError) throw cause
    throw new PolicyParseError(`JSON-LD could not be read: ${(error as Error).message}`, { cause: error })
  }
  const graph = new Graph()
  const prefix = `_:j${documentCounter++}_`
  const label = (t: { termType: string; value: string }): string =>
    t.termType === 'BlankNode' ? prefix + t.value.replace(/^_:/, '') : t.value
  for (const q of quads) {
    const o = q.object
    const object: Term =
      o.termType === 'Literal'
        ? o.language
          ? literal(o.value, undefined, o.language.toLowerCase())
          : literal(o.value, o.datatype?.value ?? XSD_STRING)
        : o.termType === 'BlankNode'
          ? { termType: 'BlankNode', value: label(o) }
          : { termType: 'NamedNode', value: o.value }
    graph.add(label(q.subject), q.predicate.value, object)
  }
  return graph
}

interface TermDefinition {
  readonly iri: Iri
  /** '@id', '@vocab', a datatype IRI, or undefined (plain literal). */
  readonly coerce?: string
}

interface ActiveContext {
  readonly terms: Map<string, TermDefinition>
  readonly prefixes: Map<string, Iri>
  readonly idAliases: Set<string>
  readonly typeAliases: Set<string>
}

function buildContext(definitions: ReadonlyArray<Record<string, unknown>>): ActiveContext | undefined {
  const raw = new Map<string, unknown>()
  for (const def of definitions) for (const [k, v] of Object.entries(def)) raw.set(k, v)
  const prefixes = new Map<string, Iri>()
  const idAliases = new Set<string>(['@id'])
  const typeAliases = new Set<string>(['@type'])
  for (const [k, v] of raw) {
    if (k.startsWith('@')) return undefined // @vocab, @base, @language...: not the simple shape
    if (v === '@id') idAliases.add(k)
    else if (v === '@type') typeAliases.add(k)
    else if (typeof v === 'string' && /[/#:]$/.test(v) && !k.includes(':')) prefixes.set(k, v)
  }
  const expand = (value: string): Iri => {
    const colon = value.indexOf(':')
    if (colon > 0) {
      const ns = prefixes.get(value.slice(0, colon))
      if (ns !== undefined && !value.startsWith('//', colon + 1)) return ns + value.slice(colon + 1)
    }
    return value
  }
  const terms = new Map<string, TermDefinition>()
  for (const [k, v] of raw) {
    if (idAliases.has(k) || typeAliases.has(k)) continue
    if (typeof v === 'string') terms.set(k, { iri: expand(v) })
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>
      for (const key of Object.keys(o)) if (key !== '@id' && key !== '@type') return undefined
      const id = typeof o['@id'] === 'string' ? expand(o['@id']) : expand(k)
      const t = o['@type']
      terms.set(k, {
        iri: id,
        coerce: typeof t === 'string' ? (t === '@id' || t === '@vocab' ? t : expand(t)) : undefined,
      })
    } else return undefined
  }
  return { terms, prefixes, idAliases, typeAliases }
}

const STANDARD_CONTEXT = buildContext([ODRL_CONTEXT['@context']]) as ActiveContext
const contextCache = new WeakMap<object, ActiveContext | undefined>()

function activeContextOf(context: unknown): ActiveContext | undefined {
  if (isOdrlContextUrl(context)) return STANDARD_CONTEXT
  if (!Array.isArray(context)) return undefined
  if (!isOdrlContextUrl(context[0])) return undefined
  if (context.length === 1) return STANDARD_CONTEXT
  if (contextCache.has(context)) return contextCache.get(context)
  const extra: Record<string, unknown>[] = []
  for (const c of context.slice(1)) {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return undefined
    extra.push(c as Record<string, unknown>)
  }
  const active = buildContext([ODRL_CONTEXT['@context'], ...extra])
  contextCache.set(context, active)
  return active
}

class FastPathRefused extends Error {}

/**
 * Reads compact JSON-LD that uses the standard ODRL context (optionally followed by plain term and
 * prefix definitions) without a JSON-LD processor. Returns `undefined` when the document uses
 * anything else (`@graph`, other contexts, `@reverse`, ...), so that the caller falls back to the
 * full processor. The result equals jsonld.js's `toRDF` up to blank node labels.
 */
export function parseJsonLdFast(input: unknown): Graph | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined
  const context = activeContextOf((input as Record<string, unknown>)['@context'])
  if (context === undefined) return undefined
  const graph = new Graph()
  const state = { graph, context, blank: 0, prefix: `_:f${documentCounter++}_` }
  try {
    walkNode(state, input as Record<string, unknown>, true)
  } catch (error) {
    if (error instanceof FastPathRefused) return undefined
    throw error
  }
  return graph
}

interface WalkState {
  readonly graph: Graph
  readonly context: ActiveContext
  blank: number
  readonly prefix: string
}

const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/

function expandIri(state: WalkState, value: string, vocab: boolean): Iri {
  if (vocab) {
    const term = state.context.terms.get(value)
    if (term !== undefined) return term.iri
  }
  if (value.startsWith('_:')) return state.prefix + value.slice(2)
  const colon = value.indexOf(':')
  if (colon > 0) {
    const ns = state.context.prefixes.get(value.slice(0, colon))
    if (ns !== undefined && !value.startsWith('//', colon + 1)) return ns + value.slice(colon + 1)
  }
  if (ABSOLUTE_IRI.test(value)) return value
  throw new FastPathRefused() // relative IRI: needs the document base
}

function walkNode(state: WalkState, node: Record<string, unknown>, top: boolean): string {
  const { context } = state
  let id: string | undefined
  for (const alias of context.idAliases) {
    const v = node[alias]
    if (v !== undefined) {
      if (typeof v !== 'string') throw new FastPathRefused()
      id = expandIri(state, v, false)
    }
  }
  const subject = id ?? `${state.prefix}b${state.blank++}`
  for (const [key, value] of Object.entries(node)) {
    if (context.idAliases.has(key)) continue
    if (key === '@context') {
      if (!top) throw new FastPathRefused()
      continue
    }
    if (context.typeAliases.has(key)) {
      for (const t of Array.isArray(value) ? value : [value]) {
        if (typeof t !== 'string') throw new FastPathRefused()
        state.graph.add(subject, RDF_TYPE, namedNode(expandIri(state, t, true)))
      }
      continue
    }
    if (key.startsWith('@')) throw new FastPathRefused()
    const def = context.terms.get(key)
    let predicate: Iri
    if (def !== undefined) predicate = def.iri
    else if (key.includes(':')) predicate = expandIri(state, key, false)
    else continue // an undefined term is dropped, as JSON-LD expansion does
    if (value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) {
      const object = walkValue(state, item, def?.coerce)
      if (object !== undefined) state.graph.add(subject, predicate, object)
    }
  }
  return subject
}

function canonicalDouble(n: number): string {
  return n.toExponential(15).replace(/(\d)0*e\+?/, '$1E')
}

function walkValue(state: WalkState, value: unknown, coerce: string | undefined): Term | undefined {
  if (value === null) return undefined
  if (Array.isArray(value)) throw new FastPathRefused() // nested arrays are lists of lists
  switch (typeof value) {
    case 'string':
      if (coerce === '@id') return namedNode(expandIri(state, value, false))
      if (coerce === '@vocab') return namedNode(expandIri(state, value, true))
      return literal(value, coerce ?? XSD_STRING)
    case 'number':
      if (coerce !== undefined && coerce !== '@id' && coerce !== '@vocab') {
        return literal(
          Number.isInteger(value) && coerce !== `${XSD_NS}double` ? String(value) : canonicalDouble(value),
          coerce,
        )
      }
      return Number.isInteger(value) && Math.abs(value) < 1e21
        ? literal(String(value), `${XSD_NS}integer`)
        : literal(canonicalDouble(value), `${XSD_NS}double`)
    case 'boolean':
      return literal(String(value), `${XSD_NS}boolean`)
    case 'object': {
      const o = value as Record<string, unknown>
      if ('@value' in o) {
        for (const k of Object.keys(o))
          if (k !== '@value' && k !== '@type' && k !== '@language') throw new FastPathRefused()
        const v = o['@value']
        const type = o['@type']
        const language = o['@language']
        if (typeof type === 'string') {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
            throw new FastPathRefused()
          return literal(String(v), expandIri(state, type, true))
        }
        if (typeof language === 'string') return literal(String(v), undefined, language.toLowerCase())
        return walkValue(state, v, undefined)
      }
      if ('@list' in o) {
        const items = o['@list']
        const list = Array.isArray(items) ? items : [items]
        let head: Term = namedNode(RDF_NIL)
        for (let i = list.length - 1; i >= 0; i--) {
          const item = walkValue(state, list[i], coerce)
          if (item === undefined) continue
          const cell = `${state.prefix}b${state.blank++}`
          state.graph.add(cell, RDF_FIRST, item)
          state.graph.add(cell, RDF_REST, head)
          head = { termType: 'BlankNode', value: cell }
        }
        return head
      }
      return namedNode(walkNode(state, o, false))
    }
    default:
      throw new FastPathRefused()
  }
}

/** Reads JSON-LD synchronously: only the fast path; throws when the full processor is needed. */
export function parseJsonLdSync(input: unknown): Graph {
  const graph = parseJsonLdFast(input)
  if (graph === undefined) {
    throw new PolicyNeedsAsyncParseError(
      'this JSON-LD needs the full JSON-LD processor: use parsePolicy() (asynchronous) instead',
    )
  }
  return graph
}

/** `true` when the text looks like JSON (JSON-LD) rather than Turtle. */
export function looksLikeJson(text: string): boolean {
  const c = text.trimStart()[0]
  return c === '{' || c === '['
}

/** Parses JSON text into a value; a syntax error names its line and column. */
export function parseJsonText(text: string, what = 'the JSON text'): unknown {
  return parseJsonWithPosition(text, (sentence) => new PolicyParseError(`${what} is ${sentence}`))
}
