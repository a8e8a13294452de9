import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Router } from '@koa/router'
import { AllmendeError } from '../../protocol/index.js'
import { packageRoot } from '../package-root.js'

/** Where the management API's OpenAPI 3.1 document lives: `<package root>/spec/openapi.json`. */
export function openapiDocumentPath(): string {
  return join(packageRoot(), 'spec', 'openapi.json')
}

/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of this API (`spec/openapi.json`), checked
 * once when the routes are added, so a missing or broken document stops the node at start rather than
 * failing a client later. Each request reads it again: kept, it took 214 KB of every node's memory for a
 * document few clients ask for.
 */
export function openapiRoutes(router: Router, init: { path?: string } = {}): void {
  const path = init.path ?? openapiDocumentPath()
  try {
    JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new AllmendeError(
      'ALLMENDE_API_DOCUMENT',
      `cannot serve the API description ${path}: ${(cause as Error).message}; reinstall Allmende`,
      { cause, expose: false },
    )
  }
  router.get('/api/v1/openapi.json', async (ctx) => {
    ctx.type = 'application/json'
    ctx.body = await readFile(path)
  })
}
