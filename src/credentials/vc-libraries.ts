import { loadOnce } from '../util/load-once.js'

/**
 * The Data Integrity stack (@digitalbazaar/vc, jsonld-signatures, the eddsa-rdfc-2022 suite, Bitstring
 * Status Lists), loaded on the first credential a node issues or verifies: about a
 * quarter of the CPU a node spent to start when every node loaded it eagerly (bench/startup).
 */
export const loadVcLibraries = loadOnce(async () => {
  const [vc, jsigs, dataIntegrity, eddsa, bsl] = await Promise.all([
    import('@digitalbazaar/vc'),
    import('jsonld-signatures'),
    import('@digitalbazaar/data-integrity'),
    import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite'),
    import('@digitalbazaar/vc-bitstring-status-list'),
  ])
  return {
    vc,
    jsigs: jsigs.default,
    DataIntegrityProof: dataIntegrity.DataIntegrityProof,
    eddsaRdfc2022: eddsa.cryptosuite,
    bsl,
  }
})
