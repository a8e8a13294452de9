import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { httpStatusOf } from '../../../src/api/index.js'
import { AllmendeError, ERROR_TABLE, isRefusalCode, toDspError } from '../../../src/protocol/index.js'
import { repoRoot } from '../../support/repo.js'

/** Every `'ALLMENDE_…'` code literal in the sources. */
async function codesInSources(): Promise<Map<string, string>> {
  const codes = new Map<string, string>()
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith('.ts')) {
        for (const match of (await readFile(path, 'utf8')).matchAll(/'(ALLMENDE_[A-Z0-9_]+)'/g)) {
          codes.set(match[1]!, path)
        }
      }
    }
  }
  await walk(join(repoRoot(), 'src'))
  return codes
}

describe('the one error table', () => {
  it('has a row for every error code in the sources', async () => {
    const missing = [...(await codesInSources())].filter(([code]) => ERROR_TABLE[code] === undefined)
    assert.deepEqual(
      missing.map(([code, file]) => `${code} (${file})`),
      [],
      'add each code to ERROR_TABLE in src/protocol/error-table.ts with its status and whether it is shown',
    )
  })

  it('answers every exposed code below 500 or as an upstream failure, never as an internal fault', () => {
    for (const [code, { status, exposed }] of Object.entries(ERROR_TABLE)) {
      if (!exposed) continue
      assert.notEqual(status, 500, code)
      const error = new AllmendeError(code, `message of ${code}`)
      for (const area of ['catalog', 'negotiation', 'transfer'] as const) {
        const { status: dspStatus, body } = toDspError(error, area)
        assert.equal(dspStatus, status, `${code} over DSP`)
        assert.equal(body.code, code)
      }
      assert.equal(httpStatusOf(error).status, status, `${code} on the API`)
    }
  })

  it('gives the same refusal the same meaning on both bindings: final below 500, retried above', () => {
    assert.equal(ERROR_TABLE.ALLMENDE_PEER_NOT_ADMITTED?.status, 403)
    assert.equal(isRefusalCode('ALLMENDE_PEER_NOT_ADMITTED'), true)
    assert.equal(isRefusalCode('ALLMENDE_TRANSFER_STATE'), true)
    assert.equal(isRefusalCode('ALLMENDE_INTERNAL'), false)
    assert.equal(isRefusalCode('ALLMENDE_PEER_UNREACHABLE'), false)
    assert.equal(isRefusalCode('SOME_EDC_CODE'), true, "another connector's own code is its refusal")
  })
})
