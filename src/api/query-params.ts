import type { ParsedUrlQuery } from 'node:querystring'
import { InvalidInputError } from '../protocol/index.js'

/** A query parameter given once, as text; undefined when absent. A repeated parameter is refused. */
export function textParam(query: ParsedUrlQuery, name: string): string | undefined {
  const raw = query[name]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw new InvalidInputError(`"${name}" must be given once`)
  return raw
}

/** A whole-number query parameter within `min`..`max`; `fallback` when absent. */
export function wholeNumberParam(
  query: ParsedUrlQuery,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number
export function wholeNumberParam(
  query: ParsedUrlQuery,
  name: string,
  bounds: { min: number; max: number },
): number | undefined
export function wholeNumberParam(
  query: ParsedUrlQuery,
  name: string,
  bounds: { min: number; max: number; fallback?: number },
): number | undefined {
  const raw = textParam(query, name)
  if (raw === undefined) return bounds.fallback
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(value >= bounds.min && value <= bounds.max)) {
    throw new InvalidInputError(`"${name}" must be a whole number from ${bounds.min} to ${bounds.max}`)
  }
  return value
}
