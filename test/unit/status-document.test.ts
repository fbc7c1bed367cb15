// The /status and /explain documents the server builds (src/observability/status.ts) against their JSON Schemas
// (src/observability/status-schema.ts): built from the fixture zones with every kind of address state, a
// cluster, a drain, a maintenance window and transitions, serialised as the admin server sends them, and read
// back with the reader the operator commands use. Documents of another shape are refused with a coded error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeridianError } from '../../src/base/errors.js';
import { DrainSet } from '../../src/health/drains.js';
import type { SubscriptionView } from '../../src/health/monitor.js';
import type { HealthState, ObservedResult } from '../../src/health/state.js';
import type { ProbeSpec } from '../../src/health/types.js';
import { MAJORITY, Quorum } from '../../src/health/quorum.js';
import { HealthHistory } from '../../src/observability/history.js';
import { createDocumentReader } from '../../src/observability/status-schema.js';
import { buildExplanation, buildStatus, statusJsonChunks, type PeerState, type StatusInput } from '../../src/observability/status.js';
import type { ZoneConfig } from '../../src/zone/model.js';
import { FakeClock } from '../helpers/fake-time.js';
import { checkConfig, childZone, fixtureZone, staticTargets, zoneOf } from '../helpers/fixture-zone.js';
import { createStaticEndpointSource } from '../helpers/static-endpoints.js';
import { silentLogger } from '../../src/base/logger.js';

const CHECKED = 'checked.probed.example.test';
/** One checked record whose five addresses are in each state /status reports. */
const probedZone: ZoneConfig = zoneOf('probed.example.test', [
  {
    kind: 'balanced',
    name: CHECKED,
    policy: 'weighted',
    ttl: 30,
    answers: 1,
    whenAllDown: 'all',
    check: checkConfig({ protocol: 'http', host: CHECKED }),
    targets: [
      { kind: 'static', addresses: ['192.0.2.1', '2001:db8::1'], weight: 2 },
      { kind: 'static', addresses: ['192.0.2.2'], weight: 1 },
      { kind: 'static', addresses: ['192.0.2.3', '192.0.2.4'], weight: 1 },
    ],
  },
]);

function inputAt(clock: FakeClock): StatusInput {
  const now = clock.now();
  const ok: ObservedResult = { ok: true, reason: 'status 200', status: 200, durationMs: 1.23, at: now - 1_000 };
  const failed: ObservedResult = { ok: false, failure: 'status', reason: 'status 503', status: 503, durationMs: 4.5, at: now - 2_000 };
  const state = (health: HealthState['health'], lastResult: ObservedResult | undefined, lastFailure?: ObservedResult): HealthState => ({
    health,
    consecutiveSuccesses: health === 'up' ? 3 : 0,
    consecutiveFailures: health === 'down' ? 2 : 0,
    since: now - 90_000,
    lastResult,
    lastFailure,
  });
  // 192.0.2.1 up after a failure, ::1 down, .2 pending, .3 unknown and served meanwhile, .4 never seen.
  const states = new Map<string, { state: HealthState; pendingUntilProbed: boolean }>([
    ['192.0.2.1', { state: state('up', ok, failed), pendingUntilProbed: false }],
    ['2001:db8::1', { state: state('down', failed, failed), pendingUntilProbed: false }],
    ['192.0.2.2', { state: state('unknown', undefined), pendingUntilProbed: true }],
    ['192.0.2.3', { state: state('unknown', undefined), pendingUntilProbed: false }],
  ]);
  const probe: ProbeSpec = {
    key: '',
    protocol: 'http',
    address: '',
    port: 443,
    host: CHECKED,
    path: '/',
    timeoutMs: 1000,
    expect: [[200, 399]],
    headers: {},
    tls: { insecureSkipVerify: false },
  };
  const history = new HealthHistory(clock);
  const ref = { zone: probedZone.zone, record: CHECKED, target: 0, address: '2001:db8::1', targetId: '192.0.2.1,2001:db8::1' };
  history.onTrack(ref);
  history.onResult(ref, failed);
  history.onTransition(ref, 'up', 'down', failed);
  const drains = new DrainSet(undefined);
  drains.setWindows([
    {
      target: '192.0.2.40',
      since: new Date(now).toISOString(),
      by: 'maintenance fixture.yaml',
      until: new Date(now + 3_600_000).toISOString(),
      zone: fixtureZone.zone,
    },
  ]);
  return {
    zones: [fixtureZone, childZone, probedZone],
    failedZoneFiles: [
      { file: 'broken.yaml', issues: [{ file: 'broken.yaml', line: 4, column: 1, message: "unknown key 'recrods'" }], serving: 'none' },
      { file: 'old.yaml', zone: 'old.example.test', serial: 3, issues: [], serving: 'last-good' },
    ],
    lastReload: { ok: true, at: new Date(now).toISOString(), issues: ['fixture.yaml:1:1: warning: a warning'], serials: { [fixtureZone.zone]: 1 } },
    ready: true,
    health: {
      subscriptionOf: (address): SubscriptionView | undefined => {
        const entry = states.get(address.address);
        return entry === undefined
          ? undefined
          : {
              ref: { ...address, targetId: '' },
              spec: { ...probe, address: address.address },
              state: entry.state,
              decided: entry.state.health,
              verdictKey: `${probe.key} 2/3`,
              pendingUntilProbed: entry.pendingUntilProbed,
            };
      },
    },
    endpoints: createStaticEndpointSource(silentLogger),
    clock,
    clusters: [
      {
        name: 'eu',
        synced: false,
        lastEventAt: now - 5_000,
        errors: 1,
        resources: [
          {
            resource: 'ingresses',
            state: 'backoff',
            synced: false,
            objects: 2,
            resourceVersion: '7',
            lastEventAt: now - 5_000,
            errors: 1,
            lastError: 'HTTP 500',
            lists: 1,
            watches: 0,
          },
        ],
      },
      { name: 'us', synced: true, lastEventAt: undefined, errors: 0, resources: [] },
    ],
    clusterSyncDeadline: now - 1,
    history,
    targets: staticTargets(),
    drains,
    maintenance: () => [
      { zone: fixtureZone.zone, file: 'fixture.yaml', target: '192.0.2.40', cron: '0 2 * * SUN', duration: '1h', active: true, next: null, activeUntil: 'x' },
    ],
  };
}

/**
 * The same input in a peer group of four: b and d see every address down and are fresh, c sees it up but went
 * silent a minute ago (and sends verdicts about probes this instance does not have). So 192.0.2.1, up here, is
 * down by quorum (here up, b down, d down), and c does not vote.
 */
function inPeerGroup(input: StatusInput): StatusInput {
  const now = input.clock.now();
  const heard = { b: now - 500, c: now - 60_000, d: now - 800 };
  const quorum = new Quorum({
    rule: MAJORITY,
    staleAfterMs: 5_000,
    now: () => input.clock.now(),
    peers: {
      votesOn: () => [
        { instance: 'b', up: false, lastHeardAt: heard.b },
        { instance: 'c', up: true, lastHeardAt: heard.c },
        { instance: 'd', up: false, lastHeardAt: heard.d },
      ],
    },
  });
  const peers: PeerState[] = [
    { instance: 'b', url: 'http://10.0.0.2:9101/', connected: true, lastHeardAt: heard.b, fresh: true, skewMs: 12.4, verdicts: 4, unknownVerdicts: 0 },
    { instance: 'c', url: 'http://10.0.0.3:9101/', connected: false, lastHeardAt: heard.c, fresh: false, skewMs: -3, verdicts: 4, unknownVerdicts: 2 },
    { instance: 'd', url: 'http://10.0.0.4:9101/', connected: true, lastHeardAt: heard.d, fresh: true, skewMs: undefined, verdicts: 4, unknownVerdicts: 0 },
  ];
  return {
    ...input,
    health: {
      subscriptionOf: (address) => {
        const view = input.health.subscriptionOf(address);
        return view === undefined ? undefined : { ...view, decided: quorum.decide(view.verdictKey, view.state.health) };
      },
    },
    peers: { instance: 'a', staleAfterMs: 5_000, quorum, peers: () => peers },
  };
}

/** What a client gets: JSON text, parsed. */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('the documents the server builds match their schemas', () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const reader = createDocumentReader();

  it('/status, as one object', () => {
    const document = reader.status(overTheWire(buildStatus(inputAt(clock))), 'test');
    const addresses = document.zones.flatMap((z) => z.records).flatMap((r) => (r.kind === 'balanced' ? r.targets.flatMap((t) => t.addresses) : []));
    // Every variant is in the document checked: up, down, pending, unknown with and without since, unchecked.
    assert.deepEqual(new Set(addresses.map((a) => a.health)), new Set(['up', 'down', 'pending', 'unknown']));
    assert.ok(addresses.some((a) => a.lastFailure !== undefined && a.latencyMs !== undefined));
    assert.ok(addresses.some((a) => a.reason === 'no health check'));
    assert.equal(document.transitions.length, 1);
    assert.equal(document.clusters[0].late, true);
  });

  it('/status, in the chunks the admin server streams: the same document', async () => {
    const input = inputAt(clock);
    let text = '';
    for await (const chunk of statusJsonChunks(input)) text += chunk;
    const document = reader.status(JSON.parse(text), 'test');
    assert.deepEqual(document, overTheWire(buildStatus(input)));
  });

  const explained: Array<[string, 'A' | 'AAAA', string]> = [
    ['app', 'A', 'balanced'],
    ['shop.gslb.example.com', 'AAAA', 'balanced'],
    [CHECKED, 'A', 'balanced'],
    [CHECKED, 'AAAA', 'balanced'],
    ['www', 'A', 'cname'],
    ['static', 'AAAA', 'static'],
    ['info', 'A', 'static'],
  ];
  for (const [name, type, kind] of explained) {
    it(`/explain of ${name} ${type} (${kind})`, () => {
      const document = reader.explain(overTheWire(buildExplanation(inputAt(clock), name, type)), 'test');
      assert.equal(document.kind, kind);
      assert.equal(document.type, type);
    });
  }

  it('/explain of a balanced record without known answers', () => {
    const { targets: _unknown, ...input } = inputAt(clock);
    const document = reader.explain(overTheWire(buildExplanation(input, 'app', 'A')), 'test');
    assert.equal(document.summary, 'a balanced record');
  });
});

describe('in a peer group, /status and /explain show every vantage point', () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const reader = createDocumentReader();
  const addressesOf = (document: ReturnType<typeof reader.status>) =>
    document.zones.flatMap((z) => z.records).flatMap((r) => (r.kind === 'balanced' ? r.targets.flatMap((t) => t.addresses) : []));

  it('/status has the peer group, and every probed address its own verdict, the votes and the decision', () => {
    const document = reader.status(overTheWire(buildStatus(inPeerGroup(inputAt(clock)))), 'test');
    assert.deepEqual(document.peerGroup, {
      instance: 'a',
      quorum: 'a strict majority',
      staleAfterSeconds: 5,
      peers: [
        {
          instance: 'b',
          url: 'http://10.0.0.2:9101/',
          connected: true,
          fresh: true,
          lastMessageAt: '2025-12-31T23:59:59.500Z',
          lastMessageAgeSeconds: 0.5,
          clockSkewMs: 12,
          verdicts: 4,
          unknownVerdicts: 0,
        },
        {
          instance: 'c',
          url: 'http://10.0.0.3:9101/',
          connected: false,
          fresh: false,
          lastMessageAt: '2025-12-31T23:59:00.000Z',
          lastMessageAgeSeconds: 60,
          clockSkewMs: -3,
          verdicts: 4,
          unknownVerdicts: 2,
        },
        {
          instance: 'd',
          url: 'http://10.0.0.4:9101/',
          connected: true,
          fresh: true,
          lastMessageAt: '2025-12-31T23:59:59.200Z',
          lastMessageAgeSeconds: 0.8,
          clockSkewMs: null,
          verdicts: 4,
          unknownVerdicts: 0,
        },
      ],
    });
    const overruled = addressesOf(document).find((a) => a.address === '192.0.2.1');
    assert.equal(overruled?.health, 'down', 'the quorum decides what is served');
    assert.equal(overruled?.here, 'up');
    assert.deepEqual(overruled?.votes, [
      { instance: 'self', verdict: 'up', fresh: true },
      { instance: 'b', verdict: 'down', fresh: true },
      { instance: 'c', verdict: 'up', fresh: false },
      { instance: 'd', verdict: 'down', fresh: true },
    ]);
    assert.equal(overruled?.quorum, 'down by quorum (a strict majority): 2 of 3 vantage points see it down (here: up, b: down, c: up (stale), d: down)');
    assert.ok(
      addressesOf(document)
        .filter((a) => a.reason === 'no health check')
        .every((a) => a.votes === undefined),
      'an address without a check has nothing to vote on',
    );
  });

  it('/explain gives each address its votes, and the summary the quorum, what it overrules and who does not vote', () => {
    const document = reader.explain(overTheWire(buildExplanation(inPeerGroup(inputAt(clock)), CHECKED, 'A')), 'test');
    assert.ok('targets' in document);
    const first = document.targets[0].addresses.find((a) => a.address === '192.0.2.1');
    assert.equal(first?.here, 'up');
    assert.equal(first?.health, 'down');
    assert.equal(first?.votes?.length, 4);
    assert.match(first?.quorum ?? '', /^down by quorum \(a strict majority\): 2 of 3 vantage points see it down/);
    assert.match(
      document.summary,
      /; health decided by the peer group's quorum \(a strict majority\): 192\.0\.2\.1 is down though it is up here; not voting: c \(stale, link down\)$/,
    );
  });

  const cases: Array<[string, string, StatusInput, RegExp]> = [
    ['a record without a health check', 'app', inPeerGroup(inputAt(clock)), /^(?!.*quorum)/],
    ['a server without peers', CHECKED, inputAt(clock), /^(?!.*quorum)/],
  ];
  for (const [what, name, input, pattern] of cases) {
    it(`/explain of ${what} says nothing of a quorum`, () => {
      const document = reader.explain(overTheWire(buildExplanation(input, name, 'A')), 'test');
      assert.match(document.summary, pattern);
      if ('targets' in document) assert.ok(document.targets.every((t) => t.addresses.every((a) => a.votes === undefined && a.quorum === undefined)));
    });
  }
});

describe('a document of another shape is refused, naming what is wrong', () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const reader = createDocumentReader();
  const valid = overTheWire(buildStatus(inputAt(clock))) as Record<string, unknown>;
  const zones = valid.zones as Array<Record<string, unknown>>;
  const records = zones[0].records as Array<Record<string, unknown>>;

  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'nonsense', /at \/: must be object/],
    ['an empty object', {}, /at \/: must have required property 'ready'/],
    ['a serial that is text', { ...valid, zones: [{ ...zones[0], serial: 'one' }, ...zones.slice(1)] }, /at \/zones\/0\/serial: must be integer/],
    [
      'a balanced record without targets',
      { ...valid, zones: [{ ...zones[0], records: [{ ...records[0], targets: undefined }] }] },
      /at \/zones\/0\/records\/0: must have required property 'targets'/,
    ],
    [
      'a peer whose link state is text',
      (() => {
        const grouped = overTheWire(buildStatus(inPeerGroup(inputAt(clock)))) as { peerGroup: { peers: Array<Record<string, unknown>> } };
        grouped.peerGroup.peers[1].connected = 'yes';
        return grouped;
      })(),
      /at \/peerGroup\/peers\/1\/connected: must be boolean/,
    ],
    [
      'a peer group without peers',
      { ...valid, peerGroup: { instance: 'a', quorum: 'a strict majority', staleAfterSeconds: 5 } },
      /at \/peerGroup: must have required property 'peers'/,
    ],
    [
      'a vote of another kind',
      (() => {
        const grouped = overTheWire(buildStatus(inPeerGroup(inputAt(clock)))) as {
          zones: Array<{ records: Array<{ targets?: Array<{ addresses: Array<{ votes?: Array<Record<string, unknown>> }> }> }> }>;
        };
        const index = grouped.zones.findIndex((z) => z.records.some((r) => r.targets?.some((t) => t.addresses.some((a) => a.votes !== undefined))));
        const record = grouped.zones[index].records.findIndex((r) => r.targets?.some((t) => t.addresses.some((a) => a.votes !== undefined)));
        const votes = grouped.zones[index].records[record].targets?.[0].addresses[0].votes;
        assert.ok(votes !== undefined);
        votes[1].verdict = 'maybe';
        return grouped;
      })(),
      /at \/zones\/2\/records\/0\/targets\/0\/addresses\/0\/votes\/1\/verdict: must be equal to one of the allowed values/,
    ],
    [
      'an unknown health',
      { ...valid, transitions: [{ ...(valid.transitions as object[])[0], to: 'sideways' }] },
      /at \/transitions\/0\/to: must be equal to one of/,
    ],
  ];
  for (const [what, document, pattern] of cases) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => reader.status(document, 'http://127.0.0.1:9153'),
        (error: unknown) => {
          assert.ok(error instanceof MeridianError);
          assert.equal(error.code, 'MERIDIAN_ADMIN_DOCUMENT');
          assert.match(error.message, /^the admin server at http:\/\/127\.0\.0\.1:9153 answered \/status with a document this meridian does not read/);
          assert.match(error.message, pattern);
          return true;
        },
      );
    });
  }

  it('reads a document with fields it does not know (a newer server)', () => {
    assert.equal(reader.status({ ...valid, newField: 1 }, 'test').ready, true);
  });

  it('refuses an /explain document of another shape', () => {
    assert.throws(() => reader.explain({ name: 'x', kind: 'balanced', targets: [] }, 'test'), /answered \/explain with .*must have required property 'type'/);
  });

  it('refuses an /explain document whose vantage point is not text', () => {
    const explained = overTheWire(buildExplanation(inPeerGroup(inputAt(clock)), CHECKED, 'A')) as {
      targets: Array<{ addresses: Array<Record<string, unknown>> }>;
    };
    explained.targets[0].addresses[0].quorum = 3;
    assert.throws(() => reader.explain(explained, 'test'), /at \/targets\/0\/addresses\/0\/quorum: must be string/);
  });
});
