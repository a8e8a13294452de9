import type { Router } from '@koa/router'
import { termsOf } from '../../catalog/index.js'
import {
  evaluatePolicy,
  explainPolicy,
  fillTemplate,
  findTemplate,
  LEFT_OPERANDS,
  loadTemplates,
  ODRL_ACTIONS,
  OPERATORS,
  PARTY_FUNCTIONS,
  type PolicyRequest,
  PROFILE_LEFT_OPERANDS,
  PURPOSE_WORDS,
  PURPOSES,
  validatePolicy,
  type WorldState,
} from '../../policy/index.js'
import { PROFILE_ACTIONS, PURPOSE_TYPES } from '../../policy/profile.js'
import { InvalidInputError } from '../../protocol/index.js'

type Lang = 'de' | 'en'

function bodyOf(ctx: { request: unknown }): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInputError('the body must be a JSON object')
  return body as Record<string, unknown>
}

function langOf(value: unknown): Lang {
  return value === 'en' ? 'en' : 'de'
}

function policyOf(body: Record<string, unknown>): Record<string, unknown> {
  const policy = body.policy
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    throw new InvalidInputError('field "policy" must be an ODRL policy as a JSON-LD object')
  return policy as Record<string, unknown>
}

/** The dry run's state of the world: JSON with `now` as an ISO time; the purpose hierarchy added for `isA`. */
function worldOf(value: unknown): WorldState {
  if (value === undefined || value === null) return { now: new Date(), types: PURPOSE_TYPES }
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError('field "state" must be an object such as {"now":"2027-01-01T00:00:00Z"}')
  const state = value as Record<string, unknown>
  const now = state.now === undefined ? new Date() : new Date(String(state.now))
  if (Number.isNaN(now.getTime()))
    throw new InvalidInputError(`state.now "${String(state.now)}" is not a date`)
  const { now: _now, types, ...rest } = state
  return {
    ...(rest as WorldState),
    now,
    types: { ...PURPOSE_TYPES, ...((types as WorldState['types']) ?? {}) },
  }
}

function requestOf(value: unknown): PolicyRequest {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { action?: unknown }).action !== 'string'
  )
    throw new InvalidInputError(
      'field "request" must be an object with at least "action", e.g. {"action":"use"}',
    )
  return value as PolicyRequest
}

/**
 * The policy engine for the editor: templates (list, fill), the vocabulary it offers, validation
 * with the explanation in words, and the dry run (request and state of the world in, decision and
 * ODRL compliance report out). Nothing here touches the node's state.
 */
export function policyRoutes(router: Router): void {
  router.get('/api/v1/policy/templates', (ctx) => {
    ctx.body = {
      templates: loadTemplates().map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        parameters: t.parameters,
      })),
    }
  })
  router.post('/api/v1/policy/templates/:name', (ctx) => {
    const values = bodyOf(ctx).values ?? {}
    if (
      typeof values !== 'object' ||
      values === null ||
      Object.values(values).some((v) => typeof v !== 'string')
    )
      throw new InvalidInputError('field "values" must map parameter names to strings')
    ctx.body = { policy: fillTemplate(findTemplate(ctx.params.name!), values as Record<string, string>) }
  })
  router.get('/api/v1/policy/vocabulary', (ctx) => {
    ctx.body = {
      operators: OPERATORS,
      partyFunctions: PARTY_FUNCTIONS,
      actions: [...ODRL_ACTIONS, ...PROFILE_ACTIONS.keys()],
      leftOperands: [
        ...Object.keys(LEFT_OPERANDS).map((name) => ({ name, value: LEFT_OPERANDS[name] })),
        ...PROFILE_LEFT_OPERANDS.map((o) => ({ name: `allmende:${o.term}`, value: o.value, label: o.label })),
      ],
      purposes: PURPOSES.map((p) => ({
        iri: p.iri,
        label: p.label,
        name: [...PURPOSE_WORDS].find(([, iri]) => iri === p.iri)?.[0],
      })),
    }
  })
  router.post('/api/v1/policy/check', (ctx) => {
    const body = bodyOf(ctx)
    const policy = policyOf(body)
    const { errors, warnings } = validatePolicy(policy)
    const { validUntil } = termsOf(policy)
    // The engine is pure (no clock): whether a time window is over is said here, at request time.
    const expired =
      validUntil !== undefined && Date.parse(validUntil) < Date.now()
        ? [{ path: 'permission', code: 'expired-rule', message: `the permission ended on ${validUntil}` }]
        : []
    let explanation: { heading: string; sentences: readonly string[] } | undefined
    try {
      const labels = (body.labels ?? {}) as Record<string, string>
      const { heading, sentences } = explainPolicy(policy, { lang: langOf(body.lang), labels })
      explanation = { heading, sentences }
    } catch {
      explanation = undefined
    }
    ctx.body = {
      errors,
      warnings: [...warnings, ...expired],
      ...(explanation === undefined ? {} : { explanation }),
    }
  })
  router.post('/api/v1/policy/evaluate', async (ctx) => {
    const body = bodyOf(ctx)
    const evaluation = await evaluatePolicy({
      policy: policyOf(body),
      request: requestOf(body.request),
      state: worldOf(body.state),
    })
    // An Offer permits nothing until agreed; the dry run answers what it would decide as a contract.
    const proposal = evaluation.result.proposal
    ctx.body = {
      decision: proposal ?? evaluation.decision,
      asAgreed: proposal !== undefined,
      reasons: evaluation.result.reasons.filter(
        (r) => proposal === undefined || !r.startsWith('this is an Offer'),
      ),
      summary: evaluation.summary,
      reportTurtle: evaluation.reportTurtle,
    }
  })
}
