// The CI smoke run of bench/dataspace-scale at N = 10: it must complete and report every figure.
// No timing is asserted here; the figures belong to `npm run bench -- dataspace-scale`.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const harness = fileURLToPath(new URL('../../bench/dataspace-scale.js', import.meta.url))

function runHarness(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [harness], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, stdout }))
  })
}

describe('bench/dataspace-scale, smoke run with 10 node processes', () => {
  it('completes and reports every figure', { timeout: 900_000 }, async () => {
    const { code, stdout } = await runHarness({
      BENCH_NODES: '10',
      BENCH_DATASETS: '5',
      BENCH_IDLE_SECONDS: '3',
      BENCH_SETTLE_SECONDS: '45',
      BENCH_QUICK: '1',
    })
    assert.equal(code, 0, stdout)
    const line = stdout.split('\n').find((l) => l.startsWith('result '))
    assert.ok(line !== undefined, `no result line in:\n${stdout}`)
    const result = JSON.parse(line.slice('result '.length)) as Record<string, Record<string, unknown>>
    assert.equal(result.errors, undefined, `a phase failed: ${JSON.stringify(result.errors)}`)
    for (const field of ['nodes', 'k', 'allReadyMs', 'admittedMs', 'nodesWithKPeers', 'reachAllCatalogsMs']) {
      assert.ok(field in result, `missing ${field}`)
    }
    const expected: Record<string, string[]> = {
      propagation: ['reached', 'of', 'p50Ms', 'p95Ms', 'maxMs'],
      search: ['cachedApiMs', 'cachedApiHits', 'cachedAllDatasetsMs', 'cliMs', 'healthMs', 'nodeStartMs'],
      refreshedSearch: ['firstAnswerMs', 'answeredByFirstAnswer', 'completeMs', 'providersAnswered'],
      idle: [
        'coresTotal',
        'coresPerNodeMedian',
        'coresPerNodeMax',
        'rssMiBMedian',
        'rssMiBMax',
        'rssMiBTotal',
      ],
      negotiation: ['state', 'ms'],
      transfer: ['state', 'ms'],
      churnUntilAdmitted: ['admissions', 'trimmed', 'admissionsPerNodeMax', 'withoutChurn'],
      searchersRss: ['askerMiB', 'othersMedianMiB', 'mallocHeapMiB', 'executableMedianMiB'],
    }
    for (const [group, fields] of Object.entries(expected)) {
      for (const field of fields) assert.ok(field in (result[group] ?? {}), `missing ${group}.${field}`)
    }
    assert.equal(result.nodes, 10)
    // Every node runs node: its executable's pages are resident in each, so the split of RSS found them.
    assert.ok(Number(result.searchersRss!.executableMedianMiB) > 0, JSON.stringify(result.searchersRss))
  })
})
