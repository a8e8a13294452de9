import { canonicalJson } from '../audit/index.js'
import type { Agreement, MessageOffer, Rule } from '../protocol/index.js'

/** The parties and time that turn an offer into an agreement. */
export interface AgreementParties {
  readonly uid: string
  readonly assigner: string
  readonly assignee: string
  readonly target: string
  readonly timestamp: Date
}

/** The rules of an offer as the agreement carries them: copied, each without a rule-level target. */
function rulesOf(rules: readonly Rule[] | undefined): Rule[] | undefined {
  if (rules === undefined || rules.length === 0) return undefined
  return rules.map(({ target: _target, ...rule }) => structuredClone(rule))
}

/** The ODRL Agreement of the DSP `ContractAgreementMessage` for an offer. */
export function agreementFromOffer(offer: MessageOffer, parties: AgreementParties): Agreement {
  const permission = rulesOf(offer.permission)
  const prohibition = rulesOf(offer.prohibition)
  const obligation = rulesOf(offer.obligation)
  return {
    '@id': parties.uid,
    '@type': 'Agreement',
    ...(offer.profile === undefined ? {} : { profile: offer.profile }),
    // The offer's conflict strategy decides when a permission and a prohibition both apply: the
    // agreement must decide as the offer promised, not fall back to the engine's default.
    ...(offer.conflict === undefined ? {} : { conflict: offer.conflict }),
    target: parties.target,
    assigner: parties.assigner,
    assignee: parties.assignee,
    timestamp: parties.timestamp.toISOString(),
    ...(permission ? { permission } : {}),
    ...(prohibition ? { prohibition } : {}),
    ...(obligation ? { obligation } : {}),
  }
}

/** The same agreement in the shape of the credential subject (`uid` instead of `@id`). */
export function credentialAgreementOf(agreement: Agreement): Record<string, unknown> & {
  uid: string
  assigner: string
  assignee: string
  target: string
} {
  const { '@id': uid, '@type': _type, timestamp: _timestamp, ...rest } = agreement
  return {
    ...rest,
    uid,
    assigner: agreement.assigner,
    assignee: agreement.assignee,
    target: agreement.target,
  }
}

/** Whether two offers carry the same terms (rules and conflict strategy), ignoring JSON member order. */
export function sameTerms(a: MessageOffer, b: MessageOffer): boolean {
  const terms = (o: MessageOffer) =>
    canonicalJson({
      conflict: o.conflict ?? null,
      permission: o.permission ?? [],
      prohibition: o.prohibition ?? [],
      obligation: o.obligation ?? [],
    })
  return terms(a) === terms(b)
}
