import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { cacheFileName, codeCacheFolder, codeCacheReady, runBundle } from '../../../src/cli/code-cache.js'
import { tempDir } from '../../support/temp-dir.js'

const runs = globalThis as { codeCacheTestRuns?: string[] }

/**
 * A bundle of its own for each test: V8 keeps a script it compiled in memory, and a second compile of the same
 * source in this process would come from there, not from the cache file.
 */
async function bundle(name: string, body = ''): Promise<string> {
  const path = join(await tempDir(), `${name}.cjs`)
  writeFileSync(
    path,
    `(globalThis.codeCacheTestRuns ??= []).push(${JSON.stringify(name)});\nfunction double(n) { return n * 2 }\n${body}module.exports.four = double(2)\n`,
  )
  return path
}

const cacheFiles = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.v8cache'))

describe('the code cache of the command bundle', () => {
  it('runs a bundle without a cache first, and from the cache written once the start is ready', async () => {
    const folder = join(await tempDir(), 'cache')
    const env = { ALLMENDE_CODE_CACHE: folder }
    const path = await bundle('first')
    assert.equal(runBundle(path, 'build-1', env), 'uncached')
    assert.deepEqual(
      runs.codeCacheTestRuns?.filter((n) => n === 'first'),
      ['first'],
    )
    codeCacheReady()
    assert.equal(cacheFiles(folder).length, 1)
    assert.equal(statSync(folder).mode & 0o777, 0o700, 'a folder of this user only')
    assert.equal(runBundle(path, 'build-1', env), 'cached')
    assert.deepEqual(
      runs.codeCacheTestRuns?.filter((n) => n === 'first'),
      ['first', 'first'],
    )
  })

  it('writes a cache anew when V8 rejects it, e.g. for another source under the same build id', async () => {
    const folder = join(await tempDir(), 'cache')
    const env = { ALLMENDE_CODE_CACHE: folder }
    runBundle(await bundle('before'), 'build-2', env)
    codeCacheReady()
    const [file] = cacheFiles(folder)
    const written = readFileSync(join(folder, file!))
    assert.equal(runBundle(await bundle('after', 'double(3)\n'), 'build-2', env), 'rejected')
    codeCacheReady()
    assert.notDeepEqual(readFileSync(join(folder, file!)), written)
  })

  it('leaves a cache another start wrote meanwhile', async () => {
    const folder = join(await tempDir(), 'cache')
    const env = { ALLMENDE_CODE_CACHE: folder }
    assert.equal(runBundle(await bundle('meanwhile'), 'build-5', env), 'uncached')
    mkdirSync(folder, { mode: 0o700 })
    writeFileSync(join(folder, cacheFileName('build-5')), 'the other start’s')
    codeCacheReady()
    assert.equal(readFileSync(join(folder, cacheFileName('build-5')), 'utf8'), 'the other start’s')
  })

  it('keeps the caches of different builds apart', async () => {
    const folder = join(await tempDir(), 'cache')
    const env = { ALLMENDE_CODE_CACHE: folder }
    runBundle(await bundle('one'), 'build-a', env)
    codeCacheReady()
    assert.equal(runBundle(await bundle('two'), 'build-b', env), 'uncached')
    codeCacheReady()
    assert.equal(cacheFiles(folder).length, 2)
  })

  it('neither reads nor writes a cache in a folder others may write to', async () => {
    const folder = join(await tempDir(), 'cache')
    const env = { ALLMENDE_CODE_CACHE: folder }
    const path = await bundle('shared')
    runBundle(path, 'build-3', env)
    codeCacheReady()
    chmodSync(folder, 0o777)
    const [file] = cacheFiles(folder)
    const before = statSync(join(folder, file!)).mtimeMs
    assert.equal(runBundle(await bundle('shared-again'), 'build-3', env), 'uncached')
    codeCacheReady()
    assert.equal(statSync(join(folder, file!)).mtimeMs, before)
  })

  it('is off with ALLMENDE_CODE_CACHE=off, and in the user’s cache folder by default', async () => {
    const root = await tempDir()
    assert.equal(runBundle(await bundle('off'), 'build-4', { ALLMENDE_CODE_CACHE: 'off' }), 'uncached')
    codeCacheReady()
    assert.equal(codeCacheFolder({ ALLMENDE_CODE_CACHE: 'off' }), undefined)
    assert.equal(codeCacheFolder({ ALLMENDE_CODE_CACHE: root }), root)
    assert.equal(codeCacheFolder({ XDG_CACHE_HOME: root }), join(root, 'allmende'))
    assert.equal(codeCacheFolder({}), join(homedir(), '.cache', 'allmende'))
  })
})
