/** The DSP 2025-1 JSON-LD context IRI every DSP message names in its `@context`. */
export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld'

/**
 * The `@context` of a DSP message: an array of IRIs that contains {@link DSP_CONTEXT}
 * (common/context-schema.json). Builders always write `[DSP_CONTEXT]`.
 */
export type DspContext = string[]

/** A fresh `@context` array for an outgoing message (a new array, so callers may not share one). */
export function dspContext(): DspContext {
  return [DSP_CONTEXT]
}
