import { createHash } from 'node:crypto'

// A refreshed search asks every provider for its whole catalog, though most answer exactly as the last time: at
// a hundred providers of a hundred datasets the asker parsed, checked and compared some 10,000 datasets it
// already held. So a consumer that holds a provider's last answer names its digest in the request's `filter`
// (DSP leaves the filter to the implementation), and a provider whose answer has that digest sends the
// catalog's frame with `unchanged` instead of its datasets. A connector that does not know the filter answers
// the whole catalog, as DSP says; one that never asks is never told "unchanged".

const NS = 'https://w3id.org/allmende/catalog#'
/** The filter entry's type: "answer only if the catalog changed". */
const IF_CHANGED = `${NS}IfChanged`
/** The filter entry's digest and, on an answer, the digest it stands for. */
const DIGEST = `${NS}digest`
const UNCHANGED = `${NS}unchanged`

/** The digest of a catalog answer as sent (SHA-256 of its JSON), the same on both sides of a request. */
export function catalogDigest(answer: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(answer)).digest('base64url')}`
}

/** The `filter` of a catalog request from a consumer that holds the answer with `digest`. */
export function ifChangedFilter(digest: string): unknown[] {
  return [{ '@type': IF_CHANGED, [DIGEST]: digest }]
}

/** The digest a catalog request's filter names, if it asks "only if changed". */
export function digestAsked(filter: unknown): string | undefined {
  if (!Array.isArray(filter)) return undefined
  for (const entry of filter) {
    const fields = entry as Record<string, unknown> | null
    if (fields?.['@type'] === IF_CHANGED && typeof fields[DIGEST] === 'string') return fields[DIGEST]
  }
  return undefined
}

/** A catalog answer's frame without its datasets, saying it is unchanged since the answer with `digest`. */
export function unchangedAnswer(catalog: object, digest: string): Record<string, unknown> {
  const { dataset: _datasets, ...frame } = catalog as Record<string, unknown>
  return { ...frame, [UNCHANGED]: digest }
}

/** Whether `answer` says the catalog of `provider` is unchanged since the answer with `digest`. */
export function isUnchangedAnswer(answer: unknown, provider: string, digest: string): boolean {
  const fields = answer as Record<string, unknown> | null
  return (
    typeof fields === 'object' &&
    fields !== null &&
    fields['@type'] === 'Catalog' &&
    fields.participantId === provider &&
    fields[UNCHANGED] === digest
  )
}
