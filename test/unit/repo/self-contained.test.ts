import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../support/repo.js'

const root = repoRoot()
/** Directories that are not the project's own text: installed packages, build output, copied data. */
const FOREIGN = new Set(['node_modules', 'dist', '.git', 'odrl-test-suite', 'dsp-2025-1', 'dcat-ap-3'])
const TEXT = /\.(ts|js|md|json|jsonld|yaml|yml|sh|ttl)$|^Dockerfile$/

function ownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.allmende') || FOREIGN.has(entry.name)) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return ownFiles(path)
    return TEXT.test(entry.name) && entry.name !== 'package-lock.json' ? [path] : []
  })
}

describe('the repository stands alone', () => {
  const files = ownFiles(root)

  it('finds the project files it checks', () => {
    assert.ok(files.length > 100, `only ${files.length} files`)
    assert.ok(files.includes(join(root, 'README.md')))
  })

  it('names no path outside the repository', () => {
    // A reference to the directory the repository was developed beside, in any of its spellings.
    const outside = /\.\.\/shared\b|\/work\/|shared\/(conformance|reference|DESIGN)|\bDESIGN\.md\b/
    const hits = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          outside.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    )
    // This file spells the patterns itself.
    const own = relative(root, join(root, 'test', 'unit', 'repo', 'self-contained.test.ts'))
    assert.deepEqual(
      hits.filter((hit) => !hit.startsWith(own)),
      [],
    )
  })

  it('links in Markdown files point at files inside the repository that exist', () => {
    const broken: string[] = []
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue
        const path = resolve(dirname(file), target!.split('#')[0]!)
        if (relative(root, path).startsWith('..') || !existsSync(path)) {
          broken.push(`${relative(root, file)}: ${target}`)
        }
      }
    }
    assert.deepEqual(broken, [])
  })

  it('carries the licence package.json names', () => {
    const license = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).license
    assert.equal(license, 'Apache-2.0')
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/)
  })

  it('keeps the conformance data with its licences', () => {
    for (const file of [
      'odrl-test-suite/LICENSE.md',
      'odrl-test-suite/test_cases',
      'dsp-2025-1/LICENSE',
      'dsp-2025-1/catalog/catalog-schema.json',
      'dcat-ap-3/dcat-ap-SHACL.ttl',
      'dcat-ap-3/ranges.ttl',
      'README.md',
    ]) {
      assert.ok(existsSync(join(root, 'test', 'conformance', file)), file)
    }
  })
})
