// Module loader hooks (registered by module-trace.ts): every ES module a process loads is appended, as its
// URL, to the file ALLMENDE_MODULE_TRACE names, before the module runs.
import { appendFileSync } from 'node:fs'

type Load = (url: string, context: unknown) => Promise<unknown>

export async function load(url: string, context: unknown, next: Load): Promise<unknown> {
  const loaded = await next(url, context)
  appendFileSync(process.env.ALLMENDE_MODULE_TRACE!, `${url}\n`)
  return loaded
}
