import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  ALLMENDE_NS,
  ALLMENDE_PROFILE,
  DPV_NS,
  isPurposeA,
  PROFILE_ACTIONS,
  PROFILE_LEFT_OPERAND_IRIS,
  PROFILE_LEFT_OPERANDS,
  PURPOSE_ANCESTORS,
  PURPOSES,
} from '../../../src/policy/profile.js'
import { repoRoot } from '../../support/repo.js'

const dpv = (local: string) => DPV_NS + local
const allmende = (local: string) => ALLMENDE_NS + local

describe('Allmende ODRL profile', () => {
  it('has the left operands the municipal data space needs', () => {
    for (const term of ['dataSpaceMembership', 'contractRef', 'securityLevel', 'connector']) {
      assert.ok(PROFILE_LEFT_OPERAND_IRIS.has(allmende(term)), term)
    }
    assert.equal(PROFILE_LEFT_OPERAND_IRIS.size, PROFILE_LEFT_OPERANDS.length)
  })

  it('labels every purpose in German and English and knows its parents', () => {
    for (const p of PURPOSES) {
      assert.ok(p.label.de !== '' && p.label.en !== '' && p.deFor !== '', p.iri)
      for (const b of p.broader)
        assert.ok(
          PURPOSES.some((q) => q.iri === b),
          `${p.iri} -> ${b}`,
        )
    }
    for (const needed of [
      'CombatClimateChange',
      'ImproveTransportMobility',
      'NonCommercialResearch',
      'ResearchAndDevelopment',
      'PublicBenefit',
    ]) {
      assert.ok(
        PURPOSES.some((p) => p.iri === dpv(needed)),
        needed,
      )
    }
  })

  it('evaluates isA over the purpose hierarchy', () => {
    assert.equal(isPurposeA(allmende('FloodWarning'), dpv('CombatClimateChange')), true)
    assert.equal(isPurposeA(allmende('FloodWarning'), dpv('PublicBenefit')), true)
    assert.equal(isPurposeA(allmende('FloodWarning'), allmende('FloodWarning')), true)
    assert.equal(isPurposeA(allmende('TourismPromotion'), allmende('FloodWarning')), false)
    assert.equal(isPurposeA(dpv('CombatClimateChange'), allmende('FloodWarning')), false)
    assert.equal(isPurposeA(dpv('AcademicResearch'), dpv('ResearchAndDevelopment')), true)
    assert.equal(isPurposeA(dpv('CommercialResearch'), dpv('NonCommercialResearch')), false)
    assert.deepEqual(
      [...(PURPOSE_ANCESTORS.get(allmende('FloodWarning')) ?? [])].sort(),
      [dpv('CombatClimateChange'), dpv('PublicBenefit'), dpv('Purpose')].sort(),
    )
  })

  it('its JSON-LD context defines every profile term with the right IRI', () => {
    const file = join(repoRoot(), 'spec', 'contexts', 'allmende-odrl-profile-v1.jsonld')
    const context = JSON.parse(readFileSync(file, 'utf8'))['@context'] as Record<string, unknown>
    const expand = (v: unknown) =>
      typeof v === 'string' && v.startsWith('allmende:') ? ALLMENDE_NS + v.slice(9) : v
    assert.equal(context.allmende, ALLMENDE_NS)
    assert.equal(context.dpv, DPV_NS)
    for (const o of PROFILE_LEFT_OPERANDS) assert.equal(expand(context[o.term]), o.iri, o.term)
    for (const iri of PROFILE_ACTIONS.keys())
      assert.equal(expand(context[iri.slice(ALLMENDE_NS.length)]), iri)
    for (const p of PURPOSES.filter((q) => q.iri.startsWith(ALLMENDE_NS))) {
      assert.equal(expand(context[p.iri.slice(ALLMENDE_NS.length)]), p.iri)
    }
  })

  it('its document names the profile IRI, every left operand and every purpose', () => {
    const doc = readFileSync(join(repoRoot(), 'spec', 'odrl-profile.md'), 'utf8')
    assert.ok(doc.includes(ALLMENDE_PROFILE))
    for (const o of PROFILE_LEFT_OPERANDS) assert.ok(doc.includes(`\`${o.term}\``), o.term)
    for (const p of PURPOSES.filter((q) => q.iri !== dpv('Purpose'))) {
      const curie = p.iri.startsWith(DPV_NS)
        ? `dpv:${p.iri.slice(DPV_NS.length)}`
        : `allmende:${p.iri.slice(ALLMENDE_NS.length)}`
      assert.ok(doc.includes(curie), curie)
      assert.ok(doc.includes(p.label.de), p.label.de)
    }
  })
})
