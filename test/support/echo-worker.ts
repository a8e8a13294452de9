// A worker for the worker pool tests: answers with the request doubled, refuses negative numbers.
// The test runner also loads this file on its own (it runs every file under dist/test): then it does nothing.
import { isMainThread } from 'node:worker_threads'
import { answerTasks } from '../../src/workers/worker-pool.js'

if (!isMainThread) {
  answerTasks<number, number>((n) => {
    if (n < 0) throw new Error(`refusing ${n}`)
    return n * 2
  })
}
