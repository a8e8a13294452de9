/**
 * Reading and editing an ODRL policy as written (compact JSON-LD), in place: the editor never
 * converts the document into a model and back, so whatever it does not know survives a save.
 */
export type Json = string | number | boolean | null | Json[] | JsonObject
export type JsonObject = { [key: string]: Json }

const ODRL_NS = 'http://www.w3.org/ns/odrl/2/'

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The ODRL term a key stands for: `permission`, `odrl:permission` and the full IRI all give `permission`. */
export function termOf(key: string): string {
  if (key.startsWith(ODRL_NS)) return key.slice(ODRL_NS.length)
  if (key.startsWith('odrl:')) return key.slice(5)
  if (key === 'rdf:value' || key === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#value') return 'value'
  return key
}

/** The key under which `node` holds the term (as written), or undefined. */
export function keyFor(node: JsonObject, term: string): string | undefined {
  return Object.keys(node).find((k) => termOf(k) === term)
}

/** A path segment as the engine's validator writes it: `a.b[0].c`. */
export function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`
}

/**
 * The items of a property with their paths: arrays get `[i]`, `{"@list": […]}` unwraps like an
 * array, a single value keeps the property's path (the validator's convention).
 */
export function itemsOf(
  node: JsonObject,
  key: string,
  base: string,
): { value: Json; path: string; index: number }[] {
  const raw = node[key]
  if (raw === undefined) return []
  const list =
    isObject(raw) && Array.isArray(raw['@list'] ?? raw['@set'])
      ? ((raw['@list'] ?? raw['@set']) as Json[])
      : raw
  const path = joinPath(base, key)
  if (Array.isArray(list)) return list.map((value, index) => ({ value, path: `${path}[${index}]`, index }))
  return [{ value: list, path, index: -1 }]
}

/** The values of a property as a list, without changing the document. */
export function listOf(node: JsonObject, key: string | undefined): Json[] {
  if (key === undefined) return []
  const raw = node[key]
  if (raw === undefined) return []
  if (isObject(raw) && Array.isArray(raw['@list'] ?? raw['@set']))
    return (raw['@list'] ?? raw['@set']) as Json[]
  return Array.isArray(raw) ? raw : [raw]
}

/** The array behind a property (turning a single value into a one-item array, keeping `@list`). */
export function arrayOf(node: JsonObject, key: string): Json[] {
  const raw = node[key]
  if (isObject(raw) && Array.isArray(raw['@list'] ?? raw['@set']))
    return (raw['@list'] ?? raw['@set']) as Json[]
  if (Array.isArray(raw)) return raw
  const array: Json[] = raw === undefined ? [] : [raw]
  node[key] = array
  return array
}

/** Replaces item `index` of a property (`-1`: the single value). */
export function setItem(node: JsonObject, key: string, index: number, value: Json): void {
  if (index < 0) node[key] = value
  else arrayOf(node, key)[index] = value
}

/** Removes item `index` of a property; an emptied property goes away. */
export function removeItem(node: JsonObject, key: string, index: number): void {
  if (index < 0) {
    delete node[key]
    return
  }
  const array = arrayOf(node, key)
  array.splice(index, 1)
  if (array.length === 0) delete node[key]
}

/** Appends to a property, under its existing key or the plain term. */
export function addItem(node: JsonObject, term: string, value: Json): void {
  arrayOf(node, keyFor(node, term) ?? term).push(value)
}

/** The text of an IRI-ish value: `"use"`, `{"@id": "…"}`. */
export function iriText(v: Json | undefined): string {
  if (typeof v === 'string') return v
  if (isObject(v) && typeof v['@id'] === 'string') return v['@id']
  return ''
}

/** The kinds of right operand the editor offers, with how each is written. */
export type ValueKind = 'iri' | 'text' | 'number' | 'date' | 'dateTime' | 'duration'

export function valueKind(v: Json): ValueKind {
  if (typeof v === 'number') return 'number'
  if (isObject(v)) {
    if (typeof v['@id'] === 'string') return 'iri'
    const type = String(v['@type'] ?? '')
    if (/date$/i.test(type) && !/dateTime$/i.test(type)) return 'date'
    if (/dateTime$/i.test(type)) return 'dateTime'
    if (/duration$/i.test(type)) return 'duration'
    if (/(integer|decimal|double|float)$/i.test(type)) return 'number'
  }
  return 'text'
}

export function valueText(v: Json): string {
  if (isObject(v)) return String(v['@id'] ?? v['@value'] ?? '')
  return v === null ? '' : String(v)
}

/** Writes a value of a kind; an existing datatype spelling (`xsd:` or full IRI) is kept. */
export function makeValue(kind: ValueKind, text: string, previous?: Json): Json {
  const keepType = (fallback: string) =>
    isObject(previous) && typeof previous['@type'] === 'string' && valueKind(previous) === kind
      ? previous['@type']
      : fallback
  switch (kind) {
    case 'iri':
      return { '@id': text }
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text
    case 'date':
      return { '@value': text, '@type': keepType('xsd:date') }
    case 'dateTime':
      return { '@value': text, '@type': keepType('xsd:dateTime') }
    case 'duration':
      return { '@value': text, '@type': keepType('xsd:duration') }
    default:
      return text
  }
}
