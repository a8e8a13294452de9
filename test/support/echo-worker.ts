// A worker for the worker pool tests: answers with the request doubled, refuses negative numbers.
import { answerTasks } from '../../src/workers/worker-pool.js'

answerTasks<number, number>((n) => {
  if (n < 0) throw new Error(`refusing ${n}`)
  return n * 2
})
