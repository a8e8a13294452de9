import type { Router } from '@koa/router'
import type { OfferRequest, ResolvedOffer } from '../../catalog/index.js'
import { type AgreementRevocation, type NegotiationService, readDeclarations } from '../../contract/index.js'
import type { StatusListSource } from '../../credentials/index.js'
import { PURPOSE_WORDS, purposeIri } from '../../policy/index.js'
import { InvalidInputError, NotFoundError } from '../../protocol/index.js'
import type { DutyView } from '../../transfer/index.js'

export interface ContractRoutesInit {
  readonly negotiations: NegotiationService
  readonly revocation: AgreementRevocation
  /**
   * The current status list credential an agreement's revocation is read from (its provider's; this
   * node's own, or fetched from the provider), undefined for an agreement without a status entry.
   */
  readonly statusLists: Pick<StatusListSource, 'ofCredential'>
  /** Usage duties of an agreement (delete, inform, log) and their states, on either side. */
  readonly duties?: { list(agreementId: string): Promise<DutyView[]> }
  /**
   * Finds the offer a consumer asks for: by the provider's DID in the federated catalog, or by a
   * provider's URL in its DSP catalog over HTTPS (the first visible offer when none is named).
   */
  readonly offers: { resolve(request: OfferRequest): Promise<ResolvedOffer> }
}

/** Negotiations this node runs or answers, and the agreements they concluded. */
export function contractRoutes(router: Router, init: ContractRoutesInit): void {
  router.post('/api/v1/negotiations', async (ctx) => {
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as Record<string, unknown>
    const text = (name: string, required: boolean): string | undefined => {
      const value = body[name]
      if (value === undefined && !required) return undefined
      if (typeof value !== 'string' || value === '') {
        throw new InvalidInputError(`field "${name}" must be a non-empty string`)
      }
      return value
    }
    const providerUrl = text('providerUrl', false)
    const dataset = text('dataset', true)!
    const purpose = purposeOf(text('purpose', false))
    const declared = readDeclarations(body.declare)
    const offer = text('offer', false)
    const resolved = await init.offers.resolve({
      dataset,
      ...(offer === undefined ? {} : { offer }),
      ...(providerUrl === undefined ? { provider: text('provider', true)! } : { providerUrl }),
    })
    ctx.status = 201
    ctx.body = await init.negotiations.request({
      provider: resolved.provider,
      datasetId: dataset,
      offer: resolved.offer as never,
      ...(purpose === undefined ? {} : { purpose }),
      ...(Object.keys(declared).length === 0 ? {} : { declared }),
      ...(resolved.providerAddress === undefined ? {} : { providerAddress: resolved.providerAddress }),
    })
  })
  router.get('/api/v1/negotiations', async (ctx) => {
    ctx.body = { negotiations: await init.negotiations.list() }
  })
  router.get('/api/v1/negotiations/:id', async (ctx) => {
    const negotiation = await init.negotiations.get(ctx.params.id!)
    if (negotiation === undefined) throw new NotFoundError(`no negotiation ${ctx.params.id}`)
    ctx.body = negotiation
  })
  router.post('/api/v1/negotiations/:id/approve', async (ctx) => {
    ctx.body = await init.negotiations.approve(ctx.params.id!)
  })
  router.post('/api/v1/negotiations/:id/terminate', async (ctx) => {
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as { reason?: unknown }
    const reason =
      typeof body.reason === 'string' && body.reason !== '' ? body.reason : 'ended by the operator'
    ctx.body = await init.negotiations.terminate(ctx.params.id!, reason)
  })
  router.post('/api/v1/agreements/:id/revoke', async (ctx) => {
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as { reason?: unknown }
    const reason =
      typeof body.reason === 'string' && body.reason !== '' ? body.reason : 'revoked by the provider'
    ctx.body = await init.revocation.revoke(ctx.params.id!, reason)
  })
  router.get('/api/v1/agreements', async (ctx) => {
    ctx.body = { agreements: await init.negotiations.listAgreements() }
  })
  router.get('/api/v1/agreements/:id', async (ctx) => {
    const agreement = await init.negotiations.getAgreement(ctx.params.id!)
    if (agreement === undefined) throw new NotFoundError(`no agreement ${ctx.params.id}`)
    ctx.body = agreement
  })
  router.get('/api/v1/agreements/:id/status-list', async (ctx) => {
    const agreement = await init.negotiations.getAgreement(ctx.params.id!)
    if (agreement === undefined) throw new NotFoundError(`no agreement ${ctx.params.id}`)
    ctx.body = { statusList: (await init.statusLists.ofCredential(agreement.credential)) ?? null }
  })
  router.get('/api/v1/agreements/:id/duties', async (ctx) => {
    if (init.duties === undefined) throw new NotFoundError('this node tracks no usage duties')
    ctx.body = await init.duties.list(ctx.params.id!)
  })
}

/** The purpose IRI for a short name the templates accept (`FloodWarning`), a prefixed name or an IRI. */
function purposeOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const iri = purposeIri(value) ?? (/^[a-z][a-z0-9+.-]*:\S+$/i.test(value) ? value : undefined)
  if (iri === undefined) {
    throw new InvalidInputError(
      `unknown purpose "${value}": give a short name such as ${[...PURPOSE_WORDS.keys()].slice(0, 4).join(', ')}, a dpv:/allmende: name or an IRI`,
    )
  }
  return iri
}
