import type { Router } from '@koa/router'
import type { AgreementRecord, AgreementRevocation, NegotiationService } from '../../contract/index.js'
import {
  agreementOf,
  DESCRIPTOR_SIDE_FIELD,
  type JsonLdObject,
  ODRL_CONTEXT,
  presentAgreement,
  verifyAgreementCredential,
  verifyAgreementPresentation,
} from '../../credentials/index.js'
import { MEMBERSHIP_CREDENTIAL_TYPE, type ProvenName, provenNames } from '../../dataspace/index.js'
import type { NodeKey } from '../../identity/index.js'
import { explainPolicy } from '../../policy/index.js'
import { InvalidInputError, NotFoundError } from '../../protocol/index.js'

export interface AgreementProofRoutesInit {
  readonly negotiations: NegotiationService
  readonly revocation: AgreementRevocation
  readonly key: NodeKey
  /** Names for DIDs and dataset ids (parties, publishers, titles), used in the terms in words. */
  readonly names?: () => Promise<Record<string, string>>
  /** The parties' membership credentials this node holds and its data space descriptor, for proofs. */
  readonly membership?: (parties: readonly string[]) => Promise<PartyMembership>
}

/** What names the parties of an agreement in a proof: their membership credentials and the descriptor. */
export interface PartyMembership {
  readonly descriptor?: unknown
  readonly credentials: readonly JsonLdObject[]
}

/** The proven names as labels for the terms in words. */
function labelsOf(names: Record<string, ProvenName>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(names).flatMap(([did, proven]) => (proven.name === undefined ? [] : [[did, proven.name]])),
  )
}

/** The agreement's ODRL terms in German and English (empty when they cannot be read). */
function termsInWords(
  agreement: unknown,
  labels: Record<string, string> = {},
): { de: string[]; en: string[] } {
  if (typeof agreement !== 'object' || agreement === null) return { de: [], en: [] }
  const doc = { '@context': ODRL_CONTEXT, ...(agreement as Record<string, unknown>) }
  const words = (lang: 'de' | 'en') => {
    try {
      return [...explainPolicy(doc, { lang, labels }).sentences]
    } catch {
      return []
    }
  }
  return { de: words('de'), en: words('en') }
}

function bodyOf(ctx: { request: unknown }): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {}
}

function optionalText(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new InvalidInputError(`field "${name}" must be a string`)
  return value
}

/**
 * What the dashboard's contract page needs beyond the agreement records: revocation state and terms
 * in words (`GET …/:id/summary`), a presentation for a verifier's challenge (as `allmende contract
 * prove`), and checking a proof someone hands in (as `allmende contract verify`).
 */
export function agreementProofRoutes(router: Router, init: AgreementProofRoutesInit): void {
  const record = async (id: string): Promise<AgreementRecord> => {
    const found = await init.negotiations.getAgreement(id)
    if (found === undefined) throw new NotFoundError(`no agreement ${id}`)
    return found
  }
  router.get('/api/v1/agreements/:id/summary', async (ctx) => {
    const agreement = await record(ctx.params.id!)
    const terms = agreement.agreement ?? agreementOf(agreement.credential as JsonLdObject)
    const proofs = [agreement.credential.proof ?? []].flat() as Record<string, unknown>[]
    ctx.body = {
      id: agreement.id,
      revoked: await init.revocation.isRevoked(agreement),
      terms: termsInWords(terms, (await init.names?.()) ?? {}),
      proofs: proofs.map((p) => ({
        verificationMethod: p.verificationMethod,
        created: p.created,
        cryptosuite: p.cryptosuite,
      })),
    }
  })
  const partiesOf = async (agreement: AgreementRecord): Promise<PartyMembership> =>
    (await init.membership?.([agreement.provider, agreement.consumer])) ?? { credentials: [] }
  router.get('/api/v1/agreements/:id/membership', async (ctx) => {
    const membership = await partiesOf(await record(ctx.params.id!))
    ctx.body = { descriptor: membership.descriptor ?? null, membershipCredentials: membership.credentials }
  })
  router.post('/api/v1/agreements/:id/presentation', async (ctx) => {
    const agreement = await record(ctx.params.id!)
    const body = bodyOf(ctx)
    const challenge = optionalText(body, 'challenge')
    if (challenge === undefined)
      throw new InvalidInputError('field "challenge" (the verifier\'s nonce) is required')
    if (agreement.agreementProof === 'agreement-message') {
      throw new InvalidInputError(
        `agreement ${agreement.id} was concluded with a DSP provider that issues no credential; there is nothing to present`,
      )
    }
    const domain = optionalText(body, 'domain')
    const membership = await partiesOf(agreement)
    const presentation = await presentAgreement(agreement.credential as JsonLdObject, init.key, {
      challenge,
      partyCredentials: membership.credentials,
      ...(domain === undefined ? {} : { domain }),
    })
    ctx.body =
      membership.descriptor === undefined
        ? presentation
        : { ...presentation, [DESCRIPTOR_SIDE_FIELD]: membership.descriptor }
  })
  router.post('/api/v1/agreements/verify', async (ctx) => {
    const body = bodyOf(ctx)
    const document = body.document
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      throw new InvalidInputError('field "document" must be the presentation or credential as a JSON object')
    const doc = document as JsonLdObject
    const challenge = optionalText(body, 'challenge')
    const domain = optionalText(body, 'domain')
    if ([doc.type].flat().includes('VerifiablePresentation')) {
      const result = await verifyAgreementPresentation(doc, {
        accompanying: [MEMBERSHIP_CREDENTIAL_TYPE],
        ...(challenge === undefined ? {} : { challenge }),
        ...(domain === undefined ? {} : { domain }),
      })
      if (!result.verified) {
        ctx.body = result
        return
      }
      // Names only from what the proof carries, never from this node's own knowledge of the parties.
      const names = await provenNames({ descriptor: result.descriptor, credentials: result.accompanying }, [
        result.agreement.assigner,
        result.agreement.assignee,
      ])
      const { accompanying: _shown, descriptor: _descriptor, ...verified } = result
      ctx.body = { ...verified, names, terms: termsInWords(result.agreement.agreement, labelsOf(names)) }
      return
    }
    const result = await verifyAgreementCredential(doc, {})
    const names = result.verified
      ? await provenNames({ credentials: [] }, [result.assigner, result.assignee])
      : {}
    ctx.body = result.verified ? { ...result, names, terms: termsInWords(result.agreement) } : result
  })
}
