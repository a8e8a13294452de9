import { readFile, realpath } from 'node:fs/promises'

/** A process's resident set size now, in MiB (`/proc/PID/status`). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

/** Where a process's resident pages lie (MiB), from `/proc/PID/smaps`. */
export interface ResidentParts {
  /** The C allocator's main heap (`[heap]`): it gives back only what is free at its top. */
  readonly mallocHeapMiB: number
  /** Pages of the process's executable (node): shared by every node process on one machine. */
  readonly executableMiB: number
}

/** Two parts of a process's resident memory: the allocator's main heap and the executable's pages. */
export async function residentParts(pid: number): Promise<ResidentParts> {
  const [smaps, executable] = await Promise.all([
    readFile(`/proc/${pid}/smaps`, 'utf8'),
    realpath(`/proc/${pid}/exe`),
  ])
  const kib = { heap: 0, executable: 0 }
  let mapping = ''
  for (const line of smaps.split('\n')) {
    const rss = /^Rss:\s+(\d+)/.exec(line)
    if (rss !== null) {
      const size = Number(rss[1])
      if (mapping === '[heap]') kib.heap += size
      else if (mapping === executable) kib.executable += size
    } else if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      // address, permissions, offset, device, inode, then the path (none for anonymous memory)
      mapping = line.split(/\s+/)[5] ?? ''
    }
  }
  return { mallocHeapMiB: kib.heap / 1024, executableMiB: kib.executable / 1024 }
}
