import { ALLMENDE_NS, parameterValue, TemplateParameterError } from '../policy/index.js'
import { InvalidInputError } from '../protocol/index.js'

/**
 * Facts a consumer states about itself when it asks for a contract, as the purpose is stated: the role
 * it acts in, where it uses the data, and its connector's security profile (spec/odrl-profile.md §1).
 * They are the consumer's word, recorded in the negotiation, the agreement and the audit log, so a
 * false statement is a breach of the contract on record; the provider checks the offer against them.
 * Facts the provider establishes itself (membership, connector, time, uses) can never be declared.
 */
export type Declarations = Readonly<Partial<Record<DeclarableFact, string>>>

export type DeclarableFact = 'role' | 'spatial' | 'securityLevel'

/** The left operand each declarable fact gives a value to, and how its value is written. */
const DECLARABLE: Readonly<Record<DeclarableFact, { operand: string; type: 'iri' | 'securityLevel' }>> = {
  role: { operand: `${ALLMENDE_NS}role`, type: 'iri' },
  spatial: { operand: 'http://www.w3.org/ns/odrl/2/spatial', type: 'iri' },
  securityLevel: { operand: `${ALLMENDE_NS}securityLevel`, type: 'securityLevel' },
}

/**
 * Reads declarations from a request (API body, DSP message extension): an object of `role`,
 * `spatial` and `securityLevel`, each an IRI (`allmende:` names expand; a security level may be
 * `Base`, `Trust` or `TrustPlus`). Anything else is refused with what is accepted.
 */
export function readDeclarations(value: unknown): Declarations {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError('"declare" must be an object such as {"role": "allmende:DataSteward"}')
  }
  const out: Partial<Record<DeclarableFact, string>> = {}
  for (const [name, given] of Object.entries(value)) {
    if (!(name in DECLARABLE)) {
      throw new InvalidInputError(
        `"${name}" cannot be declared: a consumer declares only ${Object.keys(DECLARABLE).join(', ')}`,
      )
    }
    const fact = DECLARABLE[name as DeclarableFact]
    if (typeof given !== 'string') throw new InvalidInputError(`the declared ${name} must be a string`)
    const expanded = given.startsWith('allmende:') ? ALLMENDE_NS + given.slice('allmende:'.length) : given
    try {
      out[name as DeclarableFact] = String(parameterValue({ name, type: fact.type }, expanded))
    } catch (error) {
      if (error instanceof TemplateParameterError) throw new InvalidInputError(error.message)
      throw error
    }
  }
  return out
}

/** The declarations as left operand values for the policy engine's state of the world. */
export function declaredFacts(declared: Declarations | undefined): Record<string, string> {
  const facts: Record<string, string> = {}
  for (const [name, value] of Object.entries(declared ?? {})) {
    if (value !== undefined) facts[DECLARABLE[name as DeclarableFact].operand] = value
  }
  return facts
}
