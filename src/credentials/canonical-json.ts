import { createHash } from 'node:crypto'
import { canonicalJson } from '../audit/index.js'

/** SHA-256 (hex) of the canonical JSON (RFC 8785 style) of a document: its content identity. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex')
}
