import { validateMessage } from '../protocol/index.js'
import type { JsonObject } from './dataset.js'
import { DSP_CONTEXT, toDspOffer } from './dsp-catalog.js'

/**
 * Left operands an Allmende provider has a value for when it decides (spec/odrl-profile.md): time,
 * uses, elapsed time and the recipient; membership and the consumer's connector, which it
 * establishes; the purpose, role, location and security profile the consumer declares; the events in
 * force at the node and the dataset's artifact state, which the provider states. A constraint on
 * anything else has no value at negotiation, so it is never satisfied.
 */
const ESTABLISHED = new Set([
  'dateTime',
  'count',
  'elapsedTime',
  'purpose',
  'recipient',
  'spatial',
  'event',
  'https://w3id.org/allmende/odrl#dataSpaceMembership',
  'https://w3id.org/allmende/odrl#connector',
  'https://w3id.org/allmende/odrl#role',
  'https://w3id.org/allmende/odrl#securityLevel',
  'https://w3id.org/allmende/odrl#artifactState',
])
/** Actions a transfer performs: a permission must grant one of them (or `use`, which includes them). */
const TRANSFER_ACTIONS = new Set(['use', 'read', 'reproduce'])

/** One problem found before publishing: a stable code (messages in `src/policy/messages.ts`), its facts, and English text. */
export interface PublishProblem {
  readonly code: 'dsp-schema' | 'never-satisfied' | 'no-transfer-permission'
  readonly params: Readonly<Record<string, string>>
  readonly message: string
}

/**
 * What would make a published offer fail later, found before it is published: `errors` for an offer
 * whose DSP form breaks the DSP schema (every consumer would skip it), `warnings` for an offer no
 * negotiation or transfer can satisfy (a constraint on a fact the provider cannot establish, or no
 * permission a transfer uses).
 */
export function offerPublishProblems(offer: JsonObject): {
  errors: PublishProblem[]
  warnings: PublishProblem[]
} {
  const errors: PublishProblem[] = []
  const warnings: PublishProblem[] = []
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
    const detail = (error as Error).message
    errors.push({
      code: 'dsp-schema',
      params: { detail },
      message: `consumers would leave this offer out of the catalog: ${detail}`,
    })
    return { errors, warnings }
  }
  const permissions = asArray(dsp.permission).filter(isObject)
  if (!permissions.some((p) => TRANSFER_ACTIONS.has(String(p.action)))) {
    warnings.push({
      code: 'no-transfer-permission',
      params: {},
      message: 'no permission grants use or read, so every transfer under this offer will be refused',
    })
  }
  for (const permission of permissions) {
    for (const left of leftOperands(permission.constraint)) {
      if (!ESTABLISHED.has(left)) {
        warnings.push({
          code: 'never-satisfied',
          params: { operand: left },
          message: `the constraint on ${left} cannot be met: the provider has no value for it when it decides, so every negotiation will be refused`,
        })
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
