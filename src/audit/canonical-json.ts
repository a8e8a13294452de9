import { NotJsonError } from './errors.js'

/** A plain JSON value, as the audit log stores and hashes it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * Deterministic JSON after RFC 8785 (JSON Canonicalization Scheme): object members sorted by their
 * UTF-16 code units, no whitespace, numbers and strings as ECMAScript `JSON.stringify` writes them
 * (which is what RFC 8785 §3.2.2 prescribes). Hashes and signatures are taken over this text, so the
 * same value always yields the same bytes whatever order its keys were built in.
 *
 * Only plain JSON is accepted: `undefined` object members are left out (as `JSON.stringify` does);
 * anything else that is not JSON (NaN, Infinity, bigint, functions, Dates, Maps, class instances,
 * `undefined` in arrays, lone surrogates) throws {@link NotJsonError} naming its path, because a
 * value that does not survive a JSON round trip would no longer match its hash once stored.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set())
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed())
        throw new NotJsonError(`${path} holds a lone surrogate, which JSON cannot carry`)
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(`${path} is ${value}, which JSON cannot carry`)
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (seen.has(value)) throw new NotJsonError(`${path} refers back to itself`)
      seen.add(value)
      let text: string
      if (Array.isArray(value)) {
        text = `[${value.map((item, i) => write(item, `${path}[${i}]`, seen)).join(',')}]`
      } else {
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          const kind = (value as object).constructor?.name ?? 'non-plain object'
          throw new NotJsonError(`${path} is a ${kind}; give plain JSON (e.g. an ISO string for a date)`)
        }
        const members: string[] = []
        for (const key of Object.keys(value).sort()) {
          const member = (value as Record<string, unknown>)[key]
          if (member === undefined) continue
          members.push(`${write(key, path, seen)}:${write(member, `${path}.${key}`, seen)}`)
        }
        text = `{${members.join(',')}}`
      }
      seen.delete(value)
      return text
    }
    default:
      throw new NotJsonError(
        `${path} is ${value === undefined ? 'undefined' : `a ${typeof value}`}, not JSON`,
      )
  }
}

/** The plain JSON copy of `value` that a JSON store gives back: what is hashed is what is stored. */
export function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(canonicalJson(value)) as JsonValue
}
