import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DSP_ROUTES } from '../../../../src/bindings/http/index.js'

describe('DSP_ROUTES', () => {
  it('has every DSP 2025-1 endpoint of both roles, 201 on initiation and 200 otherwise', () => {
    const expected = [
      'POST /catalog/request 200',
      'GET /catalog/datasets/:id 200',
      'POST /negotiations/request 201',
      'GET /negotiations/:pid 200',
      'POST /negotiations/:pid/request 200',
      'POST /negotiations/:pid/events 200',
      'POST /negotiations/:pid/agreement/verification 200',
      'POST /negotiations/:pid/termination 200',
      'POST /negotiations/offers 201',
      'POST /negotiations/:pid/offers 200',
      'POST /negotiations/:pid/agreement 200',
      'POST /transfers/request 201',
      'GET /transfers/:pid 200',
      'POST /transfers/:pid/start 200',
      'POST /transfers/:pid/completion 200',
      'POST /transfers/:pid/suspension 200',
      'POST /transfers/:pid/termination 200',
    ]
    assert.deepEqual(DSP_ROUTES.map((r) => `${r.method} ${r.path} ${r.status}`).sort(), expected.sort())
  })

  it('lets only catalog requests address the token to the DSP URL', () => {
    const byUrl = DSP_ROUTES.filter((r) => r.allowUrlAudience === true).map((r) => r.area)
    assert.deepEqual([...new Set(byUrl)], ['catalog'])
  })

  it('names the area whose error type each endpoint answers with', () => {
    for (const route of DSP_ROUTES) {
      const area = route.path.split('/')[1]
      assert.equal(
        route.area,
        { catalog: 'catalog', negotiations: 'negotiation', transfers: 'transfer' }[area!],
        route.path,
      )
    }
  })
})
