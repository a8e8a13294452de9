#!/usr/bin/env node
import '../polyfills.js'
import { processIo } from './command.js'
import { runCli } from './run-cli.js'

// Exit explicitly: libp2p and pino may hold timers after a command is done.
process.exit(await runCli(process.argv.slice(2), processIo))
