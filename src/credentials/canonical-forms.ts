import { createHash } from 'node:crypto'
import type { JsonLdDocument, Options } from 'jsonld'
import { loadJsonld } from '../util/jsonld.js'
import { WorkerPool } from '../workers/worker-pool.js'
import { type DocumentLoader, isBundledContext } from './document-loader.js'
import { loadVcLibraries } from './vc-libraries.js'

// RDF canonicalization (RDFC-1.0) is nearly all the cost of a Data Integrity proof: about 1.2 ms for an
// agreement credential and as much again for the few lines of its proof options, against 25-65 µs for the
// Ed25519 signature itself. A negotiation canonicalized the same credential four times and proof options
// five times. Here the result is a pure function of the document (every context is bundled and never
// changes), so it is remembered; proof options are filled into a canonical template; and what is left
// may run in worker threads.

/** The options the Data Integrity suite passes to `canonize` that change its result. */
export interface CanonizeOptions {
  readonly base?: null
  readonly safe?: boolean
  readonly skipExpansion?: boolean
}

/** One canonicalization for a worker: the document and the options besides the loader. */
export interface CanonizeRequest {
  readonly document: unknown
  readonly options: CanonizeOptions
}

const OPTION_NAMES = new Set(['documentLoader', 'base', 'safe', 'skipExpansion'])
const MEMO_LIMIT = 512
const memo = new Map<string, Promise<string>>()
let pool: WorkerPool<CanonizeRequest, string> | undefined

/**
 * Lets canonicalization run on up to `threads` worker threads (0: on the calling thread, the default).
 * Workers start on first use and exit after `idleMs` without work; a long-running node turns this on, a
 * one-shot CLI command does not pay for starting a thread.
 */
export async function useCanonicalizationWorkers(threads: number, idleMs = 30_000): Promise<void> {
  const previous = pool
  pool =
    threads > 0
      ? new WorkerPool({ script: new URL('./canonize-worker.js', import.meta.url), size: threads, idleMs })
      : undefined
  await previous?.close()
}

/**
 * `canonize` of the eddsa-rdfc-2022 cryptosuite with the same result, computed once per distinct
 * document. Documents with a context that is not bundled (the caller's loader may serve it) take the
 * suite's own path unchanged.
 */
export async function canonize(
  input: unknown,
  options: CanonizeOptions & { documentLoader: DocumentLoader },
): Promise<string> {
  const { documentLoader, ...rest } = options
  if (Object.keys(options).some((name) => !OPTION_NAMES.has(name)) || !onlyBundledContexts(input)) {
    return (await loadVcLibraries()).eddsaRdfc2022.canonize(input, options)
  }
  const template = proofOptionsTemplateKey(input)
  if (template !== undefined) {
    const filled = await fillProofOptions(template, rest, documentLoader)
    if (filled !== undefined) return filled
  }
  return remembered(input, rest, documentLoader)
}

/** How many canonical forms are remembered (for tests and metrics). */
export function rememberedCanonicalForms(): number {
  return memo.size
}

function remembered(document: unknown, options: CanonizeOptions, loader: DocumentLoader): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([options.base ?? null, options.safe ?? null, options.skipExpansion ?? null]))
    .update(JSON.stringify(document))
    .digest('base64')
  const known = memo.get(key)
  if (known !== undefined) {
    // Refresh its place: the map's order is the eviction order.
    memo.delete(key)
    memo.set(key, known)
    return known
  }
  const computed = compute(document, options, loader)
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!)
  memo.set(key, computed)
  // A failure is not remembered: the next caller gets its own attempt and its own error.
  computed.catch(() => memo.delete(key))
  return computed
}

async function compute(document: unknown, options: CanonizeOptions, loader: DocumentLoader): Promise<string> {
  const filled = await fillDocumentTemplate(document, options, loader)
  if (filled !== undefined) return filled
  if (pool !== undefined) {
    try {
      return await pool.run({ document, options })
    } catch {
      // Recomputed here with the caller's loader, so the caller sees the suite's own error.
    }
  }
  return (await loadVcLibraries()).eddsaRdfc2022.canonize(document, { ...options, documentLoader: loader })
}

/** Whether every `@context` anywhere in the document is a bundled context IRI (no inline contexts). */
function onlyBundledContexts(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(onlyBundledContexts)
  if (value === null || typeof value !== 'object') return true
  for (const [key, inner] of Object.entries(value)) {
    if (key === '@context') {
      const iris = Array.isArray(inner) ? inner : [inner]
      if (!iris.every((iri) => typeof iri === 'string' && isBundledContext(iri))) return false
    } else if (!onlyBundledContexts(inner)) {
      return false
    }
  }
  return true
}

// ---- proof options -------------------------------------------------------------------------------------

// The proof options of a Data Integrity proof are one blank node whose few values change with every proof
// (time, key, challenge, domain) while everything else stays. Their canonical form is computed once with
// placeholders, each of which must come out verbatim exactly once; a proof's own values are filled in and the
// lines sorted again, which is what RDFC-1.0 yields for one blank node, provided the values need no escaping
// (checked) and are read the way the placeholders were (same kind of term, same IRI scheme).

const PROOF_OPTION_NAMES = new Set([
  '@context',
  'type',
  'created',
  'expires',
  'verificationMethod',
  'cryptosuite',
  'proofPurpose',
  'challenge',
  'domain',
  'nonce',
])
const LITERAL_FIELDS = ['created', 'challenge', 'domain'] as const
const PLAIN_VALUE = /^[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]{1,512}$/
const IRI_VALUE = /^([a-z][a-z0-9+.-]*):[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]{1,512}$/
const TEMPLATE_LIMIT = 64
const templates = new Map<string, Promise<ProofOptionsTemplate | undefined>>()

interface ProofOptionsTemplate {
  readonly lines: readonly string[]
  readonly placeholders: readonly string[]
}

interface TemplateRequest {
  readonly key: string
  readonly withPlaceholders: Record<string, unknown>
  readonly values: ReadonlyMap<string, string>
}

function placeholderOf(field: string, value: string): string {
  if (field !== 'verificationMethod') return `allmende-placeholder-${field}`
  return `${IRI_VALUE.exec(value)![1]}:allmende-placeholder-verification-method`
}

/** The template request for a proof-options document whose changing values are safe to fill in, else undefined. */
function proofOptionsTemplateKey(input: unknown): TemplateRequest | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined
  const document = input as Record<string, unknown>
  if (document.type !== 'DataIntegrityProof' || !('@context' in document)) return undefined
  if (Object.keys(document).some((name) => !PROOF_OPTION_NAMES.has(name))) return undefined
  const withPlaceholders: Record<string, unknown> = { ...document }
  const values = new Map<string, string>()
  for (const field of [...LITERAL_FIELDS, 'verificationMethod']) {
    const value = document[field]
    if (value === undefined) continue
    const safe = field === 'verificationMethod' ? IRI_VALUE : PLAIN_VALUE
    if (typeof value !== 'string' || !safe.test(value)) return undefined
    const placeholder = placeholderOf(field, value)
    withPlaceholders[field] = placeholder
    values.set(placeholder, value)
  }
  return { key: JSON.stringify(withPlaceholders), withPlaceholders, values }
}

async function fillProofOptions(
  request: TemplateRequest,
  options: CanonizeOptions,
  loader: DocumentLoader,
): Promise<string | undefined> {
  const key = `${JSON.stringify(options)}${request.key}`
  let template = templates.get(key)
  if (template === undefined) {
    template = remembered(request.withPlaceholders, options, loader).then(
      (canonical) => templateOf(canonical, request.values),
      () => undefined,
    )
    if (templates.size >= TEMPLATE_LIMIT) templates.delete(templates.keys().next().value!)
    templates.set(key, template)
  }
  const ready = await template
  if (ready === undefined) return undefined
  const lines = ready.lines.map((line) => {
    const placeholder = ready.placeholders.find((p) => line.includes(p))
    return placeholder === undefined
      ? line
      : line.replace(placeholder, () => request.values.get(placeholder)!)
  })
  return lines.sort().join('')
}

/** The template of a canonical proof-options form, or undefined when the placeholders did not come out plain. */
function templateOf(
  canonical: string,
  values: ReadonlyMap<string, string>,
): ProofOptionsTemplate | undefined {
  const lines = canonical.split(/(?<=\n)/)
  if (!lines.every((line) => line.startsWith('_:c14n0 <'))) return undefined
  if (lines.some((line) => line.indexOf('_:', 1) >= 0)) return undefined
  const placeholders = [...values.keys()]
  for (const placeholder of placeholders) {
    const holding = lines.filter((line) => line.includes(placeholder))
    const count = canonical.split(placeholder).length - 1
    if (holding.length !== 1 || count !== 1) return undefined
    const isIri = placeholder.endsWith(':allmende-placeholder-verification-method')
    const asTerm = isIri ? `<${placeholder}>` : `"${placeholder}"`
    if (!holding[0]!.includes(asTerm)) return undefined
  }
  return { lines, placeholders }
}

// ---- documents of one shape ----------------------------------------------------------------------------

// Credentials of one kind differ in a few values only: identifiers, parties, dates, a status index. Turning
// JSON-LD into RDF (expansion, context processing) costs about twenty times as much as canonicalizing the
// resulting quads. So the RDF of a document is computed once per shape, with placeholders for those values,
// and each document of that shape gets its values filled into the quads, which are then canonicalized
// (RDFC-1.0 relabels the blank nodes itself). A placeholder must come out of expansion only as a whole
// term of the kind its value needs (an IRI with the same scheme, or a literal), else the shape is not used.

/**
 * Fields whose string values become placeholders; their terms never decide a context, type or term. Besides a
 * credential's own values, those that differ from member to member in a membership presentation (holder, name,
 * membership date, the embedded credentials' proofs): without them every new peer's presentation was a shape of
 * its own, expanded in full (about 5 ms of an admission handshake's 7 to 13 ms on each side). And a status list's
 * bits, which change with every revocation.
 */
const TEMPLATE_FIELDS = new Set([
  'id',
  'issuer',
  'validFrom',
  'validUntil',
  'uid',
  'assigner',
  'assignee',
  'target',
  'statusListIndex',
  'statusListCredential',
  'holder',
  'name',
  'memberSince',
  'created',
  'verificationMethod',
  'proofValue',
  'encodedList',
])
/** A literal N-Quads writes verbatim (RDFC-1.0 escapes control characters, quotes and backslashes only). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what N-Quads escapes
const VERBATIM_LITERAL = /^[^\u0000-\u001F\u007F"\\]+$/
const PLACEHOLDER_TEXT = 'allmende-placeholder-'
const SHAPE_LIMIT = 64
const shapes = new Map<string, Promise<string | undefined>>()

interface Shape {
  readonly key: string
  readonly withPlaceholders: unknown
  /** Placeholder -> value, with the placeholder's form in N-Quads (`<p>` or `"p"`). */
  readonly values: ReadonlyMap<string, string>
}

/** The document with placeholders for its template fields, or undefined if it has none or a value cannot be one. */
function shapeOf(document: unknown, options: CanonizeOptions): Shape | undefined {
  const values = new Map<string, string>()
  let unsafe = false
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace)
    if (value === null || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      if (key === '@context' || !TEMPLATE_FIELDS.has(key) || typeof inner !== 'string') {
        out[key] = key === '@context' ? inner : replace(inner)
        continue
      }
      const iri = IRI_VALUE.exec(inner)
      if (iri === null && !VERBATIM_LITERAL.test(inner)) unsafe = true
      // The closing `-` keeps one placeholder from being the beginning of another (1 and 10).
      const placeholder = `${iri === null ? '' : `${iri[1]}:`}${PLACEHOLDER_TEXT}${values.size}-`
      values.set(placeholder, inner)
      out[key] = placeholder
    }
    return out
  }
  const withPlaceholders = replace(document)
  if (unsafe || values.size === 0) return undefined
  const json = JSON.stringify(withPlaceholders)
  // A placeholder's text elsewhere in the document would be filled in there too: such a document takes the long way.
  if (json.split(PLACEHOLDER_TEXT).length - 1 !== values.size) return undefined
  return { key: `${JSON.stringify(options)}${json}`, withPlaceholders, values }
}

async function fillDocumentTemplate(
  document: unknown,
  options: CanonizeOptions,
  loader: DocumentLoader,
): Promise<string | undefined> {
  const shape = shapeOf(document, options)
  if (shape === undefined) return undefined
  let template = shapes.get(shape.key)
  if (template === undefined) {
    template = quadsOf(shape, options, loader).catch(() => undefined)
    if (shapes.size >= SHAPE_LIMIT) shapes.delete(shapes.keys().next().value!)
    shapes.set(shape.key, template)
  }
  const quads = await template
  if (quads === undefined) return undefined
  // One pass over the template: a value is never searched for placeholders, and `$` in it means nothing.
  const filled = quads.replace(termsOf(shape), (term) => {
    const value = shape.values.get(term.slice(1, -1))!
    return `${term[0]}${value}${term.at(-1)}`
  })
  const jsonld = await loadJsonld()
  return jsonld.canonize(
    filled as unknown as JsonLdDocument,
    {
      inputFormat: 'application/n-quads',
      canonizeOptions: { algorithm: 'RDFC-1.0', format: 'application/n-quads' },
    } as unknown as Options.Normalize,
  ) as Promise<string>
}

/** A pattern of every placeholder of a shape as the term it is in N-Quads (`<p>` or `"p"`). */
function termsOf(shape: Shape): RegExp {
  const terms = [...shape.values.keys()].map((p) => (p.includes(':') ? `<${p}>` : `"${p}"`))
  return new RegExp(terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
}

/** The N-Quads of a shape, or undefined when a placeholder does not come out as a whole term of its kind. */
async function quadsOf(
  shape: Shape,
  options: CanonizeOptions,
  loader: DocumentLoader,
): Promise<string | undefined> {
  const jsonld = await loadJsonld()
  const quads = (await jsonld.toRDF(
    shape.withPlaceholders as JsonLdDocument,
    {
      base: null,
      safe: true,
      ...options,
      rdfDirection: 'i18n-datatype',
      produceGeneralizedRdf: false,
      format: 'application/n-quads',
      documentLoader: loader,
    } as unknown as Options.ToRdf,
  )) as unknown as string
  for (const placeholder of shape.values.keys()) {
    const iri = placeholder.includes(':')
    const anywhere = quads.split(placeholder).length - 1
    // A literal placeholder must end its literal: `"p"` then a datatype, language or the line's end.
    const asTerm = iri
      ? quads.split(`<${placeholder}>`).length - 1
      : (quads.match(new RegExp(`"${placeholder}"(?=\\^\\^<| |@)`, 'g')) ?? []).length
    if (anywhere === 0 || anywhere !== asTerm) return undefined
  }
  return quads
}
