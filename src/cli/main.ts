#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node --max-semi-space-size=1 --expose-gc
import '../polyfills.js'
import '../debug-colors.js'
import { processIo } from './command.js'
import { runCli } from './run-cli.js'

/** Resolves once everything written to the stream so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // A reader that went away (`| head`) ends the wait instead of failing the command.
    if (stream.destroyed || !stream.writable) resolve()
    else stream.write('', () => resolve())
  })
}

// A reader that closed early is its choice, not our error (EPIPE would otherwise throw).
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})

process.exitCode = await runCli(process.argv.slice(2), processIo)
// Exit explicitly, since libp2p and pino may hold timers after a command is done; but only after
// stdout and stderr drained: a pipe takes 64 KiB at a time and process.exit() would cut the rest.
await Promise.all([drained(process.stdout), drained(process.stderr)])
process.exit()
