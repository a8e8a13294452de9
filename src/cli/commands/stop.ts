import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { processAlive } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/node-directory.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { pollUntil } from '../waiting.js'

/** How long a node may take to close libp2p and its database after SIGTERM. */
const STOP_MS = 30_000

export const stopCommand: CliCommand = {
  name: 'stop',
  usage: 'allmende stop [--dir DIR]',
  flags: NODE_FLAGS,
  examples: ['allmende stop --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('stop', () => parseArgs({ args, options: NODE_FLAGS }))
    const directory = nodeDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const runtime = await readFile(directory.runtimeFile, 'utf8')
      .then((text) => JSON.parse(text) as { pid?: number })
      .catch(() => undefined)
    const pid = runtime?.pid
    if (pid === undefined || !processAlive(pid)) {
      io.stdout(
        values.json === true
          ? JSON.stringify({ stopped: false, running: false })
          : `the node in ${directory.root} is not running`,
      )
      return 0
    }
    // SIGTERM lets the node close libp2p and the database and remove its api.json.
    process.kill(pid, 'SIGTERM')
    const waited = await pollUntil(
      true,
      async () => processAlive(pid),
      (alive) => !alive,
      { timeoutMs: STOP_MS },
    )
    if (waited.value) throw new UsageError(`the node (pid ${pid}) did not stop within ${STOP_MS / 1000} s`)
    io.stdout(
      values.json === true
        ? JSON.stringify({ stopped: true, pid })
        : `stopped the node in ${directory.root} (pid ${pid})`,
    )
    return 0
  },
}
