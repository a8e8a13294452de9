import { checkDocument } from './check-document.js'
import { dspContext } from './context.js'
import type { DspSchemaName } from './schemas.js'

/**
 * Assembles a document from its own fields plus `@context` (default `[DSP_CONTEXT]`) and `@type`
 * (default: the schema name), drops `undefined` fields, and validates it. Used by every builder.
 */
export function buildMessage<T>(
  type: DspSchemaName,
  fields: object,
  options: { context?: string[] | false; typeTerm?: string | false } = {},
): T {
  const context = options.context ?? dspContext()
  const typeTerm = options.typeTerm ?? type
  const out: Record<string, unknown> = {}
  if (context !== false) out['@context'] = context
  if (typeTerm !== false) out['@type'] = typeTerm
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && key !== '@context' && key !== '@type') out[key] = value
  }
  return checkDocument(type, out) as T
}
