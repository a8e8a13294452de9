import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The environment that makes a node process leave V8's coverage in `folder` when it exits (NODE_V8_COVERAGE).
 */
export const coverageTo = (folder: string) => ({ NODE_V8_COVERAGE: folder })

interface Coverage {
  result: { functions: { functionName: string; ranges: { count: number }[] }[] }[]
}

/**
 * The modules the processes that wrote coverage to `folder` evaluated, as /-rooted paths
 * (`/node_modules/jsonld/lib/jsonld.js`). The bundle (scripts/bundle.ts) wraps every module it evaluates on
 * first use in a function named by the module's path (esbuild's `__commonJS` and `__esm`): a module is
 * evaluated once that function was called.
 */
export function modulesEvaluated(folder: string): string[] {
  const modules = new Set<string>()
  for (const name of readdirSync(folder).filter((file) => file.endsWith('.json'))) {
    const coverage = JSON.parse(readFileSync(join(folder, name), 'utf8')) as Coverage
    for (const script of coverage.result) {
      for (const { functionName, ranges } of script.functions) {
        if (/^(node_modules|dist)\//.test(functionName) && (ranges[0]?.count ?? 0) > 0) {
          modules.add(`/${functionName}`)
        }
      }
    }
  }
  return [...modules]
}
