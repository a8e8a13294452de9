import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../support/repo.js'

/**
 * The shape of the source tree: no module imports itself through others (a circle of files), no
 * folder imports one on a higher floor (an upward arrow), and no folders import each other in a
 * circle. Type-only imports count too:
 * they tie the folders together for the reader even when the compiler erases them.
 * Run alone: `npm run imports` (prints the count of modules, folders and arrows between them).
 */

const SRC = join(repoRoot(), 'src')
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** file (relative to src/) -> the files it imports, as written in the source. */
function fileGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(SRC, resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts'))),
    )
    graph.set(relative(SRC, file), targets)
  }
  return graph
}

/** A module's folder: `bindings/p2p`, `transfer/sources`, `contract`; top-level files are their own. */
function folderOf(file: string): string {
  const parts = file.split('/')
  if (parts.length === 1) return file
  return parts[0] === 'bindings' || parts[0] === 'transfer' ? parts.slice(0, -1).join('/') : parts[0]!
}

/**
 * The floors of the house, top first (docs/architecture.md, "Layers"): a folder may import its own
 * floor (without a circle) and the floors below, never one above. A new folder must be placed here.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['cli'],
  ['demo'],
  ['connector.ts', 'node-services.ts'],
  ['api', 'bindings', 'bindings/p2p', 'bindings/http'],
  ['contract', 'transfer', 'transfer/data-plane', 'transfer/sources', 'catalog', 'dataspace'],
  ['process', 'lifecycle'],
  ['policy', 'credentials', 'identity', 'protocol', 'audit', 'store', 'config', 'log', 'util', 'workers'],
  ['polyfills.ts', 'debug-colors.ts', 'ui'],
]

function floorOf(folder: string): number {
  return FLOORS.findIndex((floor) => floor.includes(folder))
}

/** The strongly connected components with more than one member (Tarjan), each sorted. */
function circles(graph: Map<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string) => {
    index.set(node, next)
    low.set(node, next)
    next++
    stack.push(node)
    onStack.add(node)
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(node, Math.min(low.get(node)!, low.get(target)!))
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return found
}

describe('import graph of src/', () => {
  const files = fileGraph()

  it('reads the imports of every module', () => {
    assert.ok(files.size > 100, `only ${files.size} modules found under ${SRC}`)
    assert.ok((files.get('connector.ts') ?? []).length > 5, 'the imports of connector.ts were not read')
  })

  it('the transfer manager reaches the data plane only through its signalling interface', () => {
    const reached = (files.get('transfer/transfer-manager.ts') ?? []).filter((target) =>
      target.startsWith('transfer/data-plane/'),
    )
    assert.deepEqual(reached.sort(), ['transfer/data-plane/data-flows.ts', 'transfer/data-plane/errors.ts'])
  })

  it('contracts and transfers never read a URL to pick a binding (the dispatchers do)', () => {
    const sniffing = [...files.keys()].filter(
      (file) =>
        /^(contract|transfer)\//.test(file) &&
        !file.startsWith('transfer/sources/') &&
        readFileSync(join(SRC, file), 'utf8').includes('https?:'),
    )
    assert.deepEqual(sniffing, [])
  })

  it('has no circle of files', (t) => {
    const found = circles(files)
    t.diagnostic(`${found.length} circles of files`)
    assert.deepEqual(found, [])
  })

  it('places every folder on a floor and has no upward arrow', (t) => {
    const folders = new Set([...files.keys()].map(folderOf))
    assert.deepEqual(
      [...folders].filter((folder) => floorOf(folder) < 0),
      [],
      'a folder on no floor: add it to FLOORS',
    )
    const arrows = new Set<string>()
    const upward: string[] = []
    for (const [file, targets] of files) {
      for (const target of targets) {
        const [from, to] = [folderOf(file), folderOf(target)]
        if (from === to || !files.has(target)) continue
        arrows.add(`${from} -> ${to}`)
        if (floorOf(to) < floorOf(from)) upward.push(`${file} -> ${target}`)
      }
    }
    t.diagnostic(
      `${files.size} modules in ${folders.size} folders on ${FLOORS.length} floors; ` +
        `${arrows.size} arrows between folders, ${upward.length} upward`,
    )
    assert.deepEqual(upward, [])
  })

  it('has no circle of folders (no folder imports one that imports it back)', () => {
    const folders = new Map<string, string[]>()
    const why = new Map<string, string>()
    for (const [file, targets] of files) {
      const from = folderOf(file)
      for (const target of targets) {
        const to = folderOf(target)
        if (to === from) continue
        folders.set(from, [...(folders.get(from) ?? []), to])
        why.set(`${from} -> ${to}`, `${file} -> ${target}`)
      }
      if (!folders.has(from)) folders.set(from, [])
    }
    const found = circles(folders)
    const explained = found.map((circle) =>
      [...why]
        .filter(([edge]) => circle.some((a) => circle.some((b) => edge === `${a} -> ${b}`)))
        .map(([, example]) => example),
    )
    assert.deepEqual(found, [], JSON.stringify(explained, null, 2))
  })
})
