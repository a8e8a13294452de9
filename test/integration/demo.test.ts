import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runAllmende } from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

describe('allmende demo (what npm start runs)', () => {
  it('builds the Südwest-Cluster, negotiates and transfers, and reuses its directories on a second run', async () => {
    const root = join(await tempDir('allmende-demo-'), 'demo')
    for (const run of [1, 2]) {
      // Isolated: the demo's nodes listen on fixed ports, which another demo run on this machine may hold.
      const result = await runAllmende(['demo', '--root', root, '--exit'], {
        timeoutMs: 180_000,
        isolated: true,
      })
      assert.equal(result.code, 0, `run ${run}: ${result.stdout}\n${result.stderr}`)
      assert.match(result.stdout, /admitted each other as members/)
      assert.match(result.stdout, /both sign the contract urn:uuid:/)
      const bytes = /streams (\d+) bytes/.exec(result.stdout)
      assert.ok(bytes, `run ${run} transferred nothing:\n${result.stdout}`)
      const received = await readFile(
        join(root, 'downloads', 'mayen-koblenz', 'pegel-altenglan.ndjson'),
        'utf8',
      )
      assert.equal(Buffer.byteLength(received), Number(bytes[1]))
      const first = JSON.parse(received.split('\n')[0]!) as { phenomenonTime?: string; result?: number }
      assert.ok(first.phenomenonTime !== undefined && typeof first.result === 'number')
      for (const node of ['kaiserslautern', 'kusel', 'mayen-koblenz']) {
        assert.match(result.stdout, new RegExp(`${node}/api-token`))
      }
    }
  })
})
