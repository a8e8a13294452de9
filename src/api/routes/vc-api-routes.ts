import type { Router } from '@koa/router'
import {
  issueCredential,
  type JsonLdObject,
  type SigningKey,
  type StatusChecker,
  verifyCredential,
  verifyPresentation,
} from '../../credentials/index.js'
import type { DidResolver } from '../../identity/index.js'
import { InvalidInputError } from '../../protocol/index.js'

/** VC-API paths anyone may call (rate-limited, size-capped by the API server). */
export const VC_API_OPEN_PATHS = ['/credentials/verify', '/presentations/verify'] as const

export interface VcApiRoutesInit {
  /** The node's key: `/credentials/issue` signs with it and only as it. */
  readonly key: SigningKey
  /** Reads revocation bits of Allmende status lists (`urn:allmende:status:…`). */
  readonly statusChecker?: StatusChecker
  readonly resolver?: DidResolver
  readonly clock?: () => Date
}

/**
 * The W3C VC-API subset standard tooling calls: verify a credential or a presentation (open: a
 * verifier needs no account, and nothing is stored), and issue a credential in the node's own name
 * (behind the API token). Verification applies the same rules as everywhere in Allmende: the VC 2.0
 * data model, every proof, validity, and revocation where the status list is an Allmende one.
 */
export function vcApiRoutes(router: Router, init: VcApiRoutesInit): void {
  const now = () => init.clock?.() ?? new Date()
  router.post('/credentials/issue', async (ctx) => {
    const body = objectBody(ctx.request)
    const credential = body.credential
    if (!isObject(credential)) throw new InvalidInputError('the body needs a "credential" object')
    const signed = await issueCredential(credential, init.key, {
      now: now(),
      ...(init.resolver === undefined ? {} : { resolver: init.resolver }),
    })
    ctx.status = 201
    ctx.body = { verifiableCredential: signed }
  })

  router.post('/credentials/verify', async (ctx) => {
    const body = objectBody(ctx.request)
    const credential = body.verifiableCredential
    if (!isObject(credential)) throw new InvalidInputError('the body needs a "verifiableCredential" object')
    const result = await verifyCredential(credential, verifyOptions(init, credential, now()))
    answer(ctx, result)
  })

  router.post('/presentations/verify', async (ctx) => {
    const body = objectBody(ctx.request)
    const presentation = body.verifiablePresentation
    if (!isObject(presentation)) {
      throw new InvalidInputError('the body needs a "verifiablePresentation" object')
    }
    const options = isObject(body.options) ? body.options : {}
    for (const name of ['challenge', 'domain'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'string') {
        throw new InvalidInputError(`"options.${name}" must be a string`)
      }
    }
    const result = await verifyPresentation(presentation, {
      ...verifyOptions(init, presentation, now()),
      ...(options.challenge === undefined ? {} : { challenge: options.challenge as string }),
      ...(options.domain === undefined ? {} : { domain: options.domain as string }),
    })
    answer(ctx, result)
  })
}

/** 200 with the checks passed and warnings, or 400 with the failed check: the VC-API's answer shape. */
function answer(
  ctx: { status: number; body: unknown },
  result: {
    verified: boolean
    check?: string
    message?: string
    status?: { state: string; reason?: string }
  },
): void {
  if (!result.verified) {
    ctx.status = 400
    ctx.body = {
      verified: false,
      checks: [],
      warnings: [],
      errors: [{ check: result.check, message: result.message }],
    }
    return
  }
  const status = result.status
  ctx.status = 200
  ctx.body = {
    ...result,
    checks: ['data-model', 'proof', 'validity', ...(status?.state === 'valid' ? ['status'] : [])],
    warnings: status?.state === 'unknown' ? [`revocation not checked: ${status.reason}`] : [],
    errors: [],
  }
}

/** Status lists are only read where this node can reach them: Allmende's own (over libp2p). */
function verifyOptions(init: VcApiRoutesInit, document: JsonLdObject, now: Date) {
  const allmendeStatus = JSON.stringify(document).includes('"urn:allmende:status:')
  return {
    now,
    ...(init.resolver === undefined ? {} : { resolver: init.resolver }),
    ...(allmendeStatus && init.statusChecker !== undefined ? { statusChecker: init.statusChecker } : {}),
  }
}

function objectBody(request: unknown): Record<string, unknown> {
  const body = (request as { body?: unknown }).body
  if (!isObject(body)) throw new InvalidInputError('the request body must be a JSON object')
  return body
}

function isObject(value: unknown): value is JsonLdObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
