import { validateMessage } from '../protocol/index.js'
import type { JsonObject } from './dataset.js'
import { DSP_CONTEXT, toDspOffer } from './dsp-catalog.js'

/**
 * Left operands whose value an Allmende provider establishes when it decides (spec/odrl-profile.md):
 * time, uses, elapsed time, the declared purpose, the recipient, membership and the consumer's
 * connector. A constraint on anything else has no value at negotiation, so it is never satisfied.
 */
const ESTABLISHED = new Set([
  'dateTime',
  'count',
  'elapsedTime',
  'purpose',
  'recipient',
  'https://w3id.org/allmende/odrl#dataSpaceMembership',
  'https://w3id.org/allmende/odrl#connector',
])
/** Actions a transfer performs: a permission must grant one of them (or `use`, which includes them). */
const TRANSFER_ACTIONS = new Set(['use', 'read', 'reproduce'])

/**
 * What would make a published offer fail later, found before it is published: `errors` for an offer
 * whose DSP form breaks the DSP schema (every consumer would skip it), `warnings` for an offer no
 * negotiation or transfer can satisfy (a constraint on a fact the provider cannot establish, or no
 * permission a transfer uses).
 */
export function offerPublishProblems(offer: JsonObject): { errors: string[]; warnings: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  let dsp: JsonObject
  try {
    dsp = toDspOffer({ ...offer, '@id': String(offer['@id'] ?? offer.uid ?? 'urn:allmende:offer:check') })
    validateMessage('Dataset', {
      '@context': [DSP_CONTEXT],
      '@id': 'urn:allmende:dataset:check',
      '@type': 'Dataset',
      hasPolicy: [dsp],
      distribution: [
        { '@type': 'Distribution', format: 'HttpData-PULL', accessService: 'urn:allmende:dsp:check' },
      ],
    })
  } catch (error) {
    errors.push(`consumers would leave this offer out of the catalog: ${(error as Error).message}`)
    return { errors, warnings }
  }
  const permissions = asArray(dsp.permission).filter(isObject)
  if (!permissions.some((p) => TRANSFER_ACTIONS.has(String(p.action)))) {
    warnings.push('no permission grants use or read, so every transfer under this offer will be refused')
  }
  for (const permission of permissions) {
    for (const left of leftOperands(permission.constraint)) {
      if (!ESTABLISHED.has(left)) {
        warnings.push(
          `the constraint on ${left} cannot be met: the provider has no value for it when it decides, so every negotiation will be refused`,
        )
      }
    }
  }
  return { errors, warnings }
}

function leftOperands(constraints: unknown): string[] {
  return asArray(constraints)
    .filter(isObject)
    .flatMap((c) => [
      ...(typeof c.leftOperand === 'string' ? [c.leftOperand] : []),
      ...['and', 'or', 'xone', 'andSequence'].flatMap((k) => leftOperands(c[k])),
    ])
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
