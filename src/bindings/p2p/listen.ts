import type { Libp2p } from '@libp2p/interface'
import { ConfigError } from '../../config/index.js'

/** Starts libp2p on its listen addresses; a failure becomes one sentence the operator can act on. */
export async function startListening(
  libp2p: Pick<Libp2p, 'start'>,
  listen: readonly string[],
): Promise<void> {
  try {
    await libp2p.start()
  } catch (cause) {
    throw new ConfigError(`cannot listen on ${listen.join(', ')}: ${listenFailure(cause)}`, { cause })
  }
}

/** libp2p's listen error in one sentence: its message carries every address's stack trace. */
function listenFailure(cause: unknown): string {
  const text = (cause as Error).message ?? String(cause)
  if (text.includes('EADDRINUSE')) {
    return 'the port is in use (another node or program listens there); choose another --listen port'
  }
  if (text.includes('EADDRNOTAVAIL')) return 'this machine has no such address'
  if (text.includes('EACCES')) return 'no permission for this port (ports below 1024 need privileges)'
  const reason = /Error: ([^\n]+)/.exec(text)?.[1]
  return reason ?? text.split('\n')[0]!
}
