// Compiles the DSP 2025-1 schemas (spec/dsp-2025-1) to code once, when Allmende is built: writes
// dist/src/protocol/dsp-validators.js, which src/protocol/schemas.ts imports. A node then loads ready
// validators (a few ms) instead of having ajv check and compile the schemas at its first message of each kind.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2019 } from 'ajv/dist/2019.js'
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats'
import * as standaloneModule from 'ajv/dist/standalone/index.js'
import { DSP_SCHEMA_BASE, DSP_SCHEMA_FILES, findRepoRoot, schemaFiles } from '../src/protocol/schema-files.js'

// ajv-formats and ajv's standalone are CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default
const standaloneCode = standaloneModule.default.default

// strictTypes off: the upstream context schema puts `items` beside `type: string`, harmless but rejected in
// strict mode. `verbose` keeps the failing subschema in each error, from which checkDocument writes its words.
const ajv = new Ajv2019({
  allErrors: true,
  verbose: true,
  strictTypes: false,
  strictTuples: false,
  code: { source: true, esm: true },
})
addFormats(ajv)
for (const file of schemaFiles()) ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')) as object)

const names = Object.keys(DSP_SCHEMA_FILES) as (keyof typeof DSP_SCHEMA_FILES)[]
const code = standaloneCode(
  ajv,
  Object.fromEntries(names.map((name) => [name, DSP_SCHEMA_BASE + DSP_SCHEMA_FILES[name]])),
)
// The module is ESM without a runtime of ajv's: code that needs one (a `format`, a unicode length) would
// `require` it, which an ES module cannot. Such a schema has to be met here, not at a node's first message.
if (/\brequire\(/.test(code)) {
  throw new Error('a DSP schema compiles to code that needs a runtime module of ajv; dsp-validators.js cannot hold it')
}
const out = join(findRepoRoot(), 'dist', 'src', 'protocol', 'dsp-validators.js')
writeFileSync(out, `${code}\nexport const validators = { ${names.join(', ')} };\n`)
