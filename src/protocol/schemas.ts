import { type DspValidator, validators } from './dsp-validators.js'
import type { DspSchemaName } from './schema-files.js'

export type { DspValidator } from './dsp-validators.js'
export { DSP_SCHEMA_FILES, DSP_SPEC_DIR, type DspSchemaName, findRepoRoot } from './schema-files.js'

/**
 * The validator of one DSP schema, compiled to code when Allmende is built (scripts/dsp-validators.ts).
 * Compiling at run time cost a node about 100 ms of CPU at the first message of a kind (ajv checks every
 * schema file against its meta-schema, then generates code): at N = 100 on one machine, the first dataset
 * announced to a data space made all 99 others compile the Dataset schema at once, and the dataset reached
 * them after 5 s instead of a few hundred ms.
 */
export function dspValidator(name: DspSchemaName): DspValidator {
  return validators[name]
}
