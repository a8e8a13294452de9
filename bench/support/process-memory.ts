import { readFile, realpath } from 'node:fs/promises'

/** A process's resident set size now, in MiB (`/proc/PID/status`). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

/** Where a process's resident pages lie (MiB), from `/proc/PID/smaps`. */
export interface ResidentParts {
  /** Proportional set size: resident pages, those shared with other processes (node's code) split among them. */
  readonly pssMiB: number
  /** The C allocator's main heap (`[heap]`): it gives back only what is free at its top. */
  readonly mallocHeapMiB: number
  /** Pages of the process's executable (node): shared by every node process on one machine. */
  readonly executableMiB: number
}

/** A process's proportional memory and two parts of its resident memory: the allocator's heap, the executable. */
export async function residentParts(pid: number): Promise<ResidentParts> {
  const [smaps, executable] = await Promise.all([
    readFile(`/proc/${pid}/smaps`, 'utf8'),
    realpath(`/proc/${pid}/exe`),
  ])
  const kib = { pss: 0, heap: 0, executable: 0 }
  let mapping = ''
  for (const line of smaps.split('\n')) {
    const pss = /^Pss:\s+(\d+)/.exec(line)
    const rss = /^Rss:\s+(\d+)/.exec(line)
    if (pss !== null) kib.pss += Number(pss[1])
    else if (rss !== null) {
      const size = Number(rss[1])
      if (mapping === '[heap]') kib.heap += size
      else if (mapping === executable) kib.executable += size
    } else if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      // address, permissions, offset, device, inode, then the path (none for anonymous memory)
      mapping = line.split(/\s+/)[5] ?? ''
    }
  }
  return { pssMiB: kib.pss / 1024, mallocHeapMiB: kib.heap / 1024, executableMiB: kib.executable / 1024 }
}
