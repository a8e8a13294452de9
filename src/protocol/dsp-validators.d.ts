// The module itself is written when Allmende is built (scripts/dsp-validators.ts): the DSP 2025-1 schemas
// compiled to code by ajv, one validator per schema name.
import type { ErrorObject } from 'ajv/dist/2019.js'
import type { DspSchemaName } from './schema-files.js'

/** A compiled schema: true when `value` holds; otherwise `errors` says where it breaks (ajv's verbose errors). */
export interface DspValidator {
  (value: unknown): boolean
  errors?: ErrorObject[] | null
}

export declare const validators: Readonly<Record<DspSchemaName, DspValidator>>
