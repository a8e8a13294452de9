import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CREDENTIALS_CONTEXT_V2, contextIriOfFile, repositoryRoot } from './document-loader.js'
import type { JsonLdObject } from './verification.js'

const CREDENTIALS_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1'

/**
 * XML Schema dateTimeStamp: a date and time WITH a time zone, which VC 2.0 requires of `validFrom`
 * and `validUntil` (@digitalbazaar/vc accepts it without one).
 */
const DATE_TIME_STAMP =
  /^-?(?:[1-9]\d{3,}|0\d{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/

/** Properties whose every value must be an object with a `type` (VC 2.0 §4.11 to §4.13, §5.4 to §5.6). */
const TYPED = ['credentialStatus', 'credentialSchema', 'refreshService', 'termsOfUse', 'evidence'] as const
/** Of those, the ones whose values must also have an `id` URL. */
const TYPED_WITH_ID: ReadonlySet<string> = new Set(['credentialSchema'])

/**
 * The VC Data Model 2.0 rules a credential breaks, in words (empty when it breaks none). Checked on
 * issue and on verify, on top of what @digitalbazaar/vc checks, so neither a node nor a peer signs
 * or accepts a credential other implementations would refuse.
 */
export function credentialModelProblems(credential: unknown): string[] {
  if (!isObject(credential)) return ['a credential must be a JSON object']
  const problems: string[] = []
  const v1 = contextProblems(credential, problems)
  typeProblems(credential.type, 'VerifiableCredential', problems)
  urlProblem(credential, 'id', 'the credential', problems)
  issuerProblems(credential, problems)
  subjectProblems(credential.credentialSubject, problems)
  if (!v1) {
    for (const field of ['validFrom', 'validUntil'] as const) {
      const value = credential[field]
      if (value !== undefined && (typeof value !== 'string' || !DATE_TIME_STAMP.test(value))) {
        problems.push(
          `"${field}" must be a date and time with a time zone (XML Schema dateTimeStamp), not ${JSON.stringify(value)}`,
        )
      }
    }
  }
  languageValueProblems(credential, 'the credential', problems)
  for (const field of TYPED) typedValueProblems(credential[field], field, problems)
  relatedResourceProblems(credential, problems)
  return problems
}

/** The VC Data Model 2.0 rules a presentation breaks (its credentials are checked one by one). */
export function presentationModelProblems(presentation: unknown): string[] {
  if (!isObject(presentation)) return ['a presentation must be a JSON object']
  const problems: string[] = []
  contextProblems(presentation, problems)
  typeProblems(presentation.type, 'VerifiablePresentation', problems)
  urlProblem(presentation, 'id', 'the presentation', problems)
  const holder = presentation.holder
  if (holder !== undefined) {
    const id = isObject(holder) ? holder.id : holder
    if (!isUrl(id)) problems.push('"holder" must be a URL or an object whose "id" is a URL')
  }
  for (const credential of arrayOf(presentation.verifiableCredential)) {
    if (!isObject(credential)) {
      problems.push('every "verifiableCredential" must be a credential object')
      continue
    }
    for (const problem of credentialModelProblems(credential)) problems.push(`a credential in it: ${problem}`)
  }
  return problems
}

/** Checks `@context`; returns whether the document is VC 1.1 (first context v1). */
function contextProblems(document: JsonLdObject, problems: string[]): boolean {
  const contexts = arrayOf(document['@context'])
  const first = contexts[0]
  if (first !== CREDENTIALS_CONTEXT_V2 && first !== CREDENTIALS_CONTEXT_V1) {
    problems.push(`the first "@context" must be ${CREDENTIALS_CONTEXT_V2}, not ${JSON.stringify(first)}`)
  }
  for (const context of contexts.slice(1)) {
    if (!(isUrl(context) || isObject(context))) {
      problems.push(`every "@context" must be a URL or an object, not ${JSON.stringify(context)}`)
    }
  }
  return first === CREDENTIALS_CONTEXT_V1
}

function typeProblems(type: unknown, required: string, problems: string[]): void {
  const types = arrayOf(type)
  if (types.length === 0) {
    problems.push(`"type" is missing; it must include "${required}"`)
    return
  }
  if (types.some((t) => typeof t !== 'string' || t === '')) problems.push('every "type" must be a string')
  if (!types.includes(required)) problems.push(`"type" must include "${required}"`)
}

function issuerProblems(credential: JsonLdObject, problems: string[]): void {
  const issuer = credential.issuer
  if (issuer === undefined || issuer === null) {
    problems.push('"issuer" is missing; it must be the URL (DID) of the issuer')
    return
  }
  const id = isObject(issuer) ? issuer.id : issuer
  if (!isUrl(id)) problems.push('"issuer" must be a URL or an object whose "id" is a URL')
  if (isObject(issuer)) languageValueProblems(issuer, '"issuer"', problems)
}

function subjectProblems(subject: unknown, problems: string[]): void {
  const subjects = arrayOf(subject)
  if (subjects.length === 0) problems.push('"credentialSubject" is missing')
  for (const s of subjects) {
    if (!isObject(s) || Object.keys(s).length === 0) {
      problems.push('every "credentialSubject" must be an object that makes a claim')
    } else if (s.id !== undefined && !isUrl(s.id)) {
      problems.push(`a "credentialSubject" id must be a URL, not ${JSON.stringify(s.id)}`)
    }
  }
}

function urlProblem(document: JsonLdObject, field: string, what: string, problems: string[]): void {
  if (document[field] !== undefined && !isUrl(document[field])) {
    problems.push(`the "${field}" of ${what} must be a URL, not ${JSON.stringify(document[field])}`)
  }
}

/** `name` and `description`: a string, a language value object, or a list of them (VC 2.0 §4.6). */
function languageValueProblems(document: JsonLdObject, what: string, problems: string[]): void {
  for (const field of ['name', 'description'] as const) {
    for (const value of arrayOf(document[field])) {
      const ok =
        typeof value === 'string' ||
        (isObject(value) &&
          typeof value['@value'] === 'string' &&
          Object.keys(value).every((k) => ['@value', '@language', '@direction'].includes(k)))
      if (!ok) problems.push(`"${field}" of ${what} must be a string or a language value object`)
    }
  }
}

function typedValueProblems(value: unknown, field: string, problems: string[]): void {
  for (const item of arrayOf(value)) {
    if (!isObject(item) || item.type === undefined) {
      problems.push(`every "${field}" must be an object with a "type"`)
      continue
    }
    if (TYPED_WITH_ID.has(field) && !isUrl(item.id)) {
      problems.push(`every "${field}" must have an "id" URL`)
    }
    if (!TYPED_WITH_ID.has(field) && item.id !== undefined && !isUrl(item.id)) {
      problems.push(`the "id" of a "${field}" must be a URL`)
    }
  }
}

/**
 * `relatedResource` (VC 2.0 §5.3): each with an `id` URL, unique, and a `digestSRI` or
 * `digestMultibase`; where this node publishes the resource itself (its own contexts), the digest
 * must match its bytes.
 */
function relatedResourceProblems(credential: JsonLdObject, problems: string[]): void {
  const seen = new Set<string>()
  for (const resource of arrayOf(credential.relatedResource)) {
    if (!isObject(resource) || !isUrl(resource.id)) {
      problems.push('every "relatedResource" must be an object with an "id" URL')
      continue
    }
    if (seen.has(resource.id)) problems.push(`"relatedResource" names ${resource.id} twice`)
    seen.add(resource.id)
    const { digestSRI, digestMultibase } = resource
    if (digestSRI === undefined && digestMultibase === undefined) {
      problems.push(`the "relatedResource" ${resource.id} has neither "digestSRI" nor "digestMultibase"`)
      continue
    }
    const bytes = knownResourceBytes(resource.id)
    if (digestSRI !== undefined) {
      const problem = sriProblem(digestSRI, bytes)
      if (problem !== undefined) problems.push(`the "digestSRI" of ${resource.id} ${problem}`)
    }
    if (digestMultibase !== undefined) {
      const problem = multibaseProblem(digestMultibase, bytes)
      if (problem !== undefined) problems.push(`the "digestMultibase" of ${resource.id} ${problem}`)
    }
  }
}

const SRI = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/

function sriProblem(value: unknown, bytes: Uint8Array | undefined): string | undefined {
  const match = typeof value === 'string' ? SRI.exec(value) : null
  if (match === null) return 'is not a subresource-integrity digest (sha256-, sha384- or sha512-, base64)'
  if (bytes === undefined) return undefined
  const actual = createHash(match[1]!).update(bytes).digest('base64')
  return actual === match[2] ? undefined : 'does not match the resource'
}

/**
 * Multibase `u` (base64url, no padding) of a digest: a multihash sha2-256 (0x12 0x20) or sha2-384
 * (0x20 0x30), or the bare 32- or 48-byte digest (the W3C suite's and others' form).
 */
function multibaseProblem(value: unknown, bytes: Uint8Array | undefined): string | undefined {
  if (typeof value !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(value)) {
    return 'is not a multibase base64url digest'
  }
  const raw = Buffer.from(value.slice(1), 'base64url')
  const multihash =
    raw[0] === 0x12 && raw[1] === 0x20 ? 'sha256' : raw[0] === 0x20 && raw[1] === 0x30 ? 'sha384' : undefined
  const [algorithm, digest] =
    multihash !== undefined && raw.length === 2 + raw[1]!
      ? [multihash, raw.subarray(2)]
      : raw.length === 32
        ? ['sha256', raw]
        : raw.length === 48
          ? ['sha384', raw]
          : [undefined, raw]
  if (algorithm === undefined) return 'is neither a sha2-256 or sha2-384 multihash nor such a digest'
  if (bytes === undefined) return undefined
  return createHash(algorithm).update(bytes).digest().equals(digest)
    ? undefined
    : 'does not match the resource'
}

let knownBytes: ReadonlyMap<string, Uint8Array> | undefined

/**
 * The bytes of the documents this node publishes itself (its contexts in `spec/contexts/`), the only
 * ones whose digest it can check without fetching: a bundled copy of someone else's document (the W3C
 * contexts) may be formatted otherwise than what its URL serves, so only the digest's form is checked.
 */
function knownResourceBytes(url: string): Uint8Array | undefined {
  if (knownBytes === undefined) {
    const map = new Map<string, Uint8Array>()
    const own = join(repositoryRoot(), 'spec', 'contexts')
    for (const file of existsSync(own) ? readdirSync(own) : []) {
      if (!file.endsWith('.jsonld')) continue
      const bytes = readFileSync(join(own, file))
      const iri = contextIriOfFile(file, JSON.parse(bytes.toString('utf8')))
      if (iri !== undefined) map.set(iri, bytes)
    }
    knownBytes = map
  }
  return knownBytes.get(url)
}

function isObject(value: unknown): value is JsonLdObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    return new URL(value).protocol.length > 1
  } catch {
    return false
  }
}

function arrayOf(value: unknown): unknown[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
