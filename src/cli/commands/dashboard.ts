import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/index.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { NodeClient } from '../node-client.js'

export const dashboardCommand: CliCommand = {
  name: 'dashboard',
  summary: 'print a fresh one-time login link to the web dashboard of a running node',
  usage: 'allmende dashboard [--dir DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags('dashboard', () => parseArgs({ args, options: { ...NODE_FLAGS } }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const login = await client.post<{ url: string; expiresInSeconds: number }>('/api/v1/dashboard/login', {})
    if (values.json === true) io.stdout(JSON.stringify(login))
    else io.stdout(`${login.url}\n(valid once, for ${login.expiresInSeconds / 60} minutes)`)
    return 0
  },
}
