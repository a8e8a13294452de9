// The command's entry: bin.ts runs it bundled (dist/bundle/allmende.cjs), `node dist/src/cli/main.js` unbundled.
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

// Not top-level await: the bundle is a CommonJS script (for V8's code cache, code-cache.ts).
void (async () => {
  process.exitCode = await runCli(process.argv.slice(2), processIo)
  // Exit explicitly, since libp2p and pino may hold timers after a command is done; but only after
  // stdout and stderr drained: a pipe takes 64 KiB at a time and process.exit() would cut the rest.
  await Promise.all([drained(process.stdout), drained(process.stderr)])
  process.exit()
})()
