// Shared test material for the credentials tests (no tests here; imported only).
import type { OdrlAgreement } from '../../../src/credentials/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../../src/identity/index.js'

/** Deterministic keys: provider (assigner), consumer (assignee), and a stranger. */
export async function parties(): Promise<{ provider: NodeKey; consumer: NodeKey; stranger: NodeKey }> {
  return {
    provider: await nodeKeyFromSeed(new Uint8Array(32).fill(1)),
    consumer: await nodeKeyFromSeed(new Uint8Array(32).fill(2)),
    stranger: await nodeKeyFromSeed(new Uint8Array(32).fill(3)),
  }
}

/** An ODRL Agreement with `rules` permissions, each with a purpose and a date constraint. */
export function sampleAgreement(provider: NodeKey, consumer: NodeKey, rules = 1): OdrlAgreement {
  return {
    uid: `urn:uuid:${crypto.randomUUID()}`,
    assigner: provider.did,
    assignee: consumer.did,
    target: 'https://kusel.de/datasets/parkplaetze',
    permission: Array.from({ length: rules }, (_, i) => ({
      action: i % 2 === 0 ? 'use' : 'distribute',
      constraint: [
        {
          leftOperand: 'purpose',
          operator: 'eq',
          rightOperand: `https://w3id.org/allmende/purpose/research-${i}`,
        },
        {
          leftOperand: 'dateTime',
          operator: 'lteq',
          rightOperand: { '@value': '2027-12-31', '@type': 'xsd:date' },
        },
      ],
    })),
  }
}
