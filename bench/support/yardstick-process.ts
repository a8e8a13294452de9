import { type ChildProcess, spawn } from 'node:child_process'
import { withAllocatorTunables } from '../../src/cli/v8-flags.js'

/**
 * Starts a yardstick process (`node ...args`, with the allocator setting nodes run with) and resolves once it
 * prints its first line (ready), left idle.
 */
export function startYardstick(args: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: withAllocatorTunables(process.env),
    })
    child.stdout.once('data', () => resolve(child))
    child.on('error', reject)
    child.once('exit', (code) => reject(new Error(`yardstick ${args.join(' ')} exited with ${code}`)))
  })
}
