import { readFile } from 'node:fs/promises'

/** A process's resident set size now, in MiB (`/proc/PID/status`). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}
