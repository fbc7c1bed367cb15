// The admin API's routes: /reload maps the reload's outcome to a status, /explain checks its query and maps
// what explain() finds. No HTTP: the routes are called as the admin server would call them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdminAction } from '../../src/observability/admin.js';
import type { EXPLAINED_TYPES, ReloadOutcome } from '../../src/observability/status.js';
import { adminRoutes, type AdminRoutes } from '../../src/runtime/admin-routes.js';

type ExplainedType = (typeof EXPLAINED_TYPES)[number];

const unusedAction: AdminAction = () => Promise.reject(new Error('not called in this test'));

function routesWith(options: { outcome?: ReloadOutcome; explain?: (name: string, type: ExplainedType) => unknown } = {}) {
  const reloads: string[] = [];
  const explained: Array<{ name: string; type: ExplainedType; client?: string }> = [];
  const routes: AdminRoutes = adminRoutes({
    reload: (reason) => {
      reloads.push(reason);
      return Promise.resolve(options.outcome ?? { ok: true, at: '', issues: [], serials: {} });
    },
    drain: unusedAction,
    undrain: unusedAction,
    explain: (name, type, client) => {
      // The client as the route parsed it: family, network and prefix.
      explained.push({ name, type, ...(client === undefined ? {} : { client: `${client.family} ${[...client.bytes].join('.')}/${client.prefix}` }) });
      return (options.explain ?? (() => ({ name, type })))(name, type);
    },
  });
  return { routes, reloads, explained };
}

function explainQuery(routes: AdminRoutes, query: string): { status: number; body: unknown } {
  const explain = routes.queries['/explain'];
  assert.ok(explain);
  return explain(new URLSearchParams(query));
}

describe('adminRoutes /reload', () => {
  const cases: ReadonlyArray<{ name: string; outcome: ReloadOutcome; status: number }> = [
    { name: 'a reload that succeeded', outcome: { ok: true, at: '2026-01-01T00:00:00.000Z', issues: [], serials: { 'gslb.example.com': 3 } }, status: 200 },
    {
      name: 'a reload with problems',
      outcome: { ok: false, at: '2026-01-01T00:00:00.000Z', issues: ['zones/a.yaml:3:1: bad'], serials: { 'gslb.example.com': 2 } },
      status: 422,
    },
  ];
  for (const { name, outcome, status } of cases) {
    it(`answers ${status} with the outcome for ${name}`, async () => {
      const { routes, reloads } = routesWith({ outcome });
      const reload = routes.actions['/reload'];
      assert.ok(reload);
      assert.deepEqual(await reload(undefined), { status, body: outcome });
      assert.deepEqual(reloads, ['admin API']);
    });
  }

  it('passes the drain and undrain actions through', () => {
    const drain: AdminAction = () => Promise.resolve({ status: 200, body: 'drain' });
    const undrain: AdminAction = () => Promise.resolve({ status: 200, body: 'undrain' });
    const routes = adminRoutes({ reload: () => Promise.reject(new Error('unused')), drain, undrain, explain: () => undefined });
    assert.equal(routes.actions['/drain'], drain);
    assert.equal(routes.actions['/undrain'], undrain);
  });
});

describe('adminRoutes /explain', () => {
  const TYPES_ERROR = 'explain covers A and AAAA, the types health and policy decide; other types are static data: dig them';
  const NAME_ERROR = 'name is required: /explain?name=NAME[&type=A|AAAA][&client=ADDRESS]';
  const cases: ReadonlyArray<{ query: string; status: number; body: unknown; explained?: { name: string; type: ExplainedType; client?: string } }> = [
    { query: '', status: 400, body: { error: NAME_ERROR } },
    { query: 'name=', status: 400, body: { error: NAME_ERROR } },
    { query: 'type=A', status: 400, body: { error: NAME_ERROR } },
    { query: 'name=app&type=MX', status: 400, body: { error: TYPES_ERROR } },
    { query: 'name=app&type=', status: 400, body: { error: TYPES_ERROR } },
    { query: 'name=app', status: 200, body: { name: 'app', type: 'A' }, explained: { name: 'app', type: 'A' } },
    { query: 'name=app&type=aaaa', status: 200, body: { name: 'app', type: 'AAAA' }, explained: { name: 'app', type: 'AAAA' } },
    { query: 'name=app&type=a', status: 200, body: { name: 'app', type: 'A' }, explained: { name: 'app', type: 'A' } },
    { query: 'name=app&client=10.1.2.3', status: 200, body: { name: 'app', type: 'A' }, explained: { name: 'app', type: 'A', client: '4 10.1.2.3/32' } },
    { query: 'name=app&client=10.1.2.0%2F24', status: 200, body: { name: 'app', type: 'A' }, explained: { name: 'app', type: 'A', client: '4 10.1.2.0/24' } },
    { query: 'name=app&client=', status: 200, body: { name: 'app', type: 'A' }, explained: { name: 'app', type: 'A' } },
    {
      query: 'name=app&client=10.1.2',
      status: 400,
      body: { error: 'client must be an IP address or a network (192.0.2.1, 2001:db8::/56), not "10.1.2"' },
    },
    {
      query: 'name=missing.gslb.example.com',
      status: 404,
      body: { error: 'no record named missing.gslb.example.com in any zone served' },
      explained: { name: 'missing.gslb.example.com', type: 'A' },
    },
  ];
  for (const { query, status, body, explained } of cases) {
    it(`answers ${status} to ?${query}`, () => {
      const { routes, explained: calls } = routesWith({ explain: (name, type) => (name.startsWith('missing') ? undefined : { name, type }) });
      assert.deepEqual(explainQuery(routes, query), { status, body });
      assert.deepEqual(calls, explained === undefined ? [] : [explained], 'explain() is asked only for a valid query');
    });
  }
});
