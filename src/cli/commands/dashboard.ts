import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

export const dashboardCommand: CliCommand = {
  name: 'dashboard',
  usage: 'allmende dashboard [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dashboard --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('dashboard', () => parseArgs({ args, options: NODE_FLAGS }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const login = await client.post<{ url: string; expiresInSeconds: number }>('/api/v1/dashboard/login', {})
    if (values.json === true) io.stdout(JSON.stringify(login))
    else io.stdout(`${login.url}\n(valid once, for ${login.expiresInSeconds / 60} minutes)`)
    return 0
  },
}
