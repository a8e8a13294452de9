// Runs every benchmark in this folder, one process each, so figures do not disturb each other.
// Opt-in benchmarks (minutes and gigabytes) run only when named: `npm run bench -- dataspace-scale`.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const OPT_IN = ['dataspace-scale.js', 'vc-suite.js']
const only = process.argv.slice(2)
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .filter((f) => (only.length === 0 ? !OPT_IN.includes(f) : only.some((name) => f.startsWith(name))))
  .sort()
let failed = 0
for (const file of benches) {
  console.log(`\n## ${file.replace(/\.js$/, '')}`)
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
