import { ALLMENDE_NS, DPV_NS, PURPOSE_BY_IRI } from './profile.js'

/** Short names of the profile's purposes (`FloodWarning`, `AcademicResearch`) -> their IRIs. */
export const PURPOSE_WORDS: ReadonlyMap<string, string> = new Map(
  [...PURPOSE_BY_IRI.keys()].map((iri) => [iri.slice(iri.lastIndexOf('#') + 1), iri]),
)

/**
 * A purpose as a user may write it: a short name (`FloodWarning`), a prefixed name
 * (`dpv:AcademicResearch`, `allmende:FloodWarning`) or a full http(s) IRI. Undefined for anything else.
 */
export function purposeIri(value: string): string | undefined {
  const v = value.trim()
  const word = PURPOSE_WORDS.get(v)
  if (word !== undefined) return word
  if (v.startsWith('dpv:')) return DPV_NS + v.slice(4)
  if (v.startsWith('allmende:')) return ALLMENDE_NS + v.slice(9)
  if (/^https?:\/\/\S+$/.test(v)) return v
  return undefined
}
