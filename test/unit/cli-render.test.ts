// The operator commands' terminal rendering (src/cli/render.ts): fixture JSON documents in, lines out, with
// colour off and on. Colour must never change the layout: the coloured lines, stripped of their ANSI codes, are
// the plain lines.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AdminClientError, resolveAdminUrl, resolveToken } from '../../src/cli/admin-client.js';
import { useColor } from '../../src/cli/operator.js';
import {
  describeRule,
  formatAge,
  formatAnswerSets,
  formatSeconds,
  formatSkew,
  formatVotes,
  paint,
  renderDrainResult,
  renderExplain,
  renderStatus,
  sparkline,
  stripAnsi,
  table,
} from '../../src/cli/render.js';
import type { BalancedExplanation, BalancedRecordStatus, ExplainDocument, StatusDocument, VoteView } from '../../src/observability/status-document.js';

const ESC = '\u001b[';
const GENERATED = '2025-06-01T12:00:00.000Z';
const at = (secondsBefore: number) => new Date(Date.parse(GENERATED) - secondsBefore * 1000).toISOString();

const STATUS: StatusDocument = {
  ready: true,
  generatedAt: GENERATED,
  clusters: [
    {
      name: 'eu',
      synced: true,
      late: false,
      lastEventAt: at(1.2),
      lastEventAgeSeconds: 1.2,
      errors: 0,
      resources: [{ resource: 'ingresses', state: 'watching', synced: true, objects: 3, errors: 0 }],
    },
    { name: 'us', synced: false, late: true, lastEventAt: null, lastEventAgeSeconds: null, errors: 4, resources: [] },
  ],
  lastReload: { ok: true, at: at(192), issues: [], serials: { 'gslb.example.test': 2025060101 } },
  failedZoneFiles: [],
  drains: [{ target: '192.0.2.30', since: at(75), by: 'manual', reason: 'disk swap' }],
  maintenance: [
    { zone: 'gslb.example.test', file: 'gslb.yaml', target: 'eu-west', cron: '0 2 * * SUN', duration: '1h', active: false, next: '2025-06-08T02:00:00.000Z' },
  ],
  transitions: [
    { at: at(600), zone: 'gslb.example.test', record: 'app.gslb.example.test', target: 1, address: '192.0.2.20', from: 'up', to: 'down', reason: 'status 503' },
    { at: at(30), zone: 'gslb.example.test', record: 'app.gslb.example.test', target: 1, address: '192.0.2.20', from: 'down', to: 'up', reason: 'status 200' },
  ],
  zones: [
    {
      zone: 'gslb.example.test',
      file: '/zones/gslb.example.test.yaml',
      serial: 2025060101,
      records: [
        {
          name: 'app.gslb.example.test',
          kind: 'balanced',
          policy: 'weighted',
          whenAllDown: 'all',
          check: { protocol: 'http', port: 8080, path: '/healthz', host: 'app.gslb.example.test', intervalMs: 5000, timeoutMs: 1000, rise: 2, fall: 2 },
          answer: {
            rule: 'healthy',
            drainsIgnored: false,
            sampled: false,
            A: [
              { addresses: ['192.0.2.10'], probability: 0.75 },
              { addresses: ['192.0.2.20'], probability: 0.25 },
            ],
            AAAA: [{ addresses: ['2001:db8::20'], probability: 1 }],
          },
          targets: [
            {
              index: 0,
              target: '192.0.2.10',
              weight: 3,
              drained: false,
              addresses: [
                {
                  address: '192.0.2.10',
                  health: 'up',
                  drained: false,
                  reason: 'status 200',
                  since: at(3000),
                  sinceSeconds: 3000,
                  latencyMs: [1.1, 0.9, 2.5],
                  lastResult: { ok: true, reason: 'status 200', durationMs: 2.5, at: at(1) },
                },
              ],
            },
            {
              index: 1,
              target: '192.0.2.20, 2001:db8::20',
              weight: 1,
              drained: false,
              addresses: [
                {
                  address: '192.0.2.20',
                  health: 'up',
                  drained: false,
                  reason: 'status 200',
                  since: at(30),
                  sinceSeconds: 30,
                  latencyMs: [3],
                  lastFailure: { ok: false, reason: 'status 503', durationMs: 3.1, at: at(45) },
                },
                { address: '2001:db8::20', health: 'down', drained: false, reason: 'refused', since: at(192), sinceSeconds: 192, latencyMs: [] },
              ],
            },
          ],
        },
        {
          name: 'shop.gslb.example.test',
          kind: 'balanced',
          policy: 'failover',
          whenAllDown: 'all',
          check: null,
          answer: { rule: 'healthy', drainsIgnored: false, sampled: false, A: [{ addresses: ['192.0.2.40'], probability: 1 }], AAAA: [] },
          targets: [
            {
              index: 0,
              target: '192.0.2.30',
              weight: 1,
              drained: true,
              addresses: [{ address: '192.0.2.30', health: 'up', drained: true, reason: 'no health check' }],
            },
            {
              index: 1,
              target: '192.0.2.40',
              weight: 1,
              drained: false,
              addresses: [{ address: '192.0.2.40', health: 'up', drained: false, reason: 'no health check' }],
            },
          ],
        },
        { name: 'www.gslb.example.test', kind: 'cname' },
        { name: 'info.gslb.example.test', kind: 'static' },
      ],
    },
  ],
};

const EXPLAIN_FAILOVER: BalancedExplanation = {
  name: 'shop.gslb.example.test',
  type: 'A',
  zone: 'gslb.example.test',
  kind: 'balanced',
  policy: 'failover',
  whenAllDown: 'all',
  rule: 'healthy',
  ruleText: 'chosen among the targets with a healthy address',
  drainsIgnored: false,
  sampled: false,
  answer: [{ addresses: ['192.0.2.40'], probability: 1 }],
  targets: [
    {
      index: 0,
      target: '192.0.2.30',
      weight: 1,
      priority: 1,
      chosen: false,
      drained: true,
      addresses: [{ address: '192.0.2.30', health: 'up', drained: true, reason: 'no health check' }],
    },
    {
      index: 1,
      target: '192.0.2.40',
      weight: 1,
      priority: 2,
      chosen: true,
      drained: false,
      addresses: [{ address: '192.0.2.40', health: 'up', drained: false, reason: 'no health check' }],
    },
  ],
  summary: 'failover: target 0 is drained; target 1 (192.0.2.40) is the first healthy target, so it answers',
};

const EXPLAIN_WEIGHTED_FAIL_OPEN: BalancedExplanation = {
  name: 'app.gslb.example.test',
  type: 'A',
  zone: 'gslb.example.test',
  kind: 'balanced',
  policy: 'weighted',
  whenAllDown: 'all',
  rule: 'fail-open',
  ruleText: 'no target is healthy, and whenAllDown: all answers every target (fail open)',
  drainsIgnored: false,
  sampled: false,
  answer: [
    { addresses: ['192.0.2.10'], probability: 0.75 },
    { addresses: ['192.0.2.20'], probability: 0.25 },
  ],
  targets: [
    {
      index: 0,
      target: '192.0.2.10',
      weight: 3,
      priority: 1,
      chosen: true,
      drained: false,
      addresses: [{ address: '192.0.2.10', health: 'down', drained: false, reason: 'timeout' }],
    },
    {
      index: 1,
      target: '192.0.2.20',
      weight: 1,
      priority: 2,
      chosen: true,
      drained: false,
      addresses: [{ address: '192.0.2.20', health: 'down', drained: false, reason: 'refused' }],
    },
  ],
  summary: 'weighted: no target is healthy; whenAllDown: all, so every target answers',
};

/** What GET /explain says for AAAA of a dual-stack site whose IPv4 address is drained (no other site has IPv6). */
const EXPLAIN_DUAL_STACK_AAAA: BalancedExplanation = {
  name: 'dual.gslb.example.test',
  type: 'AAAA',
  zone: 'gslb.example.test',
  kind: 'balanced',
  policy: 'failover',
  whenAllDown: 'all',
  rule: 'others-healthy',
  ruleText: 'no target is healthy for this family, but one is for the other family: NODATA here, rather than fail open with a dead or drained address',
  drainsIgnored: false,
  sampled: false,
  answer: [],
  targets: [
    {
      index: 0,
      target: '127.0.0.31, ::1',
      weight: 1,
      priority: 1,
      chosen: false,
      drained: true,
      addresses: [
        { address: '127.0.0.31', health: 'up', drained: true, reason: 'no health check' },
        { address: '::1', health: 'up', drained: false, reason: 'no health check' },
      ],
    },
    {
      index: 1,
      target: '127.0.0.32',
      weight: 1,
      priority: 2,
      chosen: false,
      drained: false,
      addresses: [{ address: '127.0.0.32', health: 'up', drained: false, reason: 'no health check' }],
    },
  ],
  summary: 'no healthy IPv6 target; IPv4 answers, so AAAA is NODATA rather than fail open with a dead or drained address; drained and never served: target 0',
};

describe('formatting helpers', () => {
  const seconds: Array<[number, string]> = [
    [0, '0s'],
    [0.9, '0s'],
    [45, '45s'],
    [192, '3m12s'],
    [3600, '1h0m'],
    [7505, '2h5m'],
    [273_600, '3d4h'],
  ];
  for (const [s, expected] of seconds) it(`formatSeconds(${s}) = ${expected}`, () => assert.equal(formatSeconds(s), expected));

  it('formatAge says ago for the past and in for the future', () => {
    assert.equal(formatAge(192), '3m12s ago');
    assert.equal(formatAge(-90_000), 'in 1d1h');
  });

  const answers: Array<[unknown, string]> = [
    [[{ addresses: ['192.0.2.30'], probability: 1 }], '192.0.2.30'],
    [
      [
        { addresses: ['192.0.2.10'], probability: 0.75 },
        { addresses: ['192.0.2.20', '2001:db8::20'], probability: 0.25 },
      ],
      '192.0.2.10 (75%) | 192.0.2.20, 2001:db8::20 (25%)',
    ],
    [[{ addresses: ['192.0.2.1'], probability: 1 / 3 }], '192.0.2.1 (33.3%)'],
    [[], ''],
    [undefined, ''],
    [[{ addresses: [] }], '(none)'],
    [['www.example.test. 30 IN CNAME app.example.test.'], 'www.example.test. 30 IN CNAME app.example.test.'],
  ];
  for (const [input, expected] of answers) it(`formatAnswerSets(${JSON.stringify(input)})`, () => assert.equal(formatAnswerSets(input), expected));

  it('formatAnswerSets lists at most max answers', () => {
    const sets = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((a) => ({ addresses: [a], probability: 1 / 3 }));
    assert.equal(formatAnswerSets(sets, 2), '192.0.2.1 (33.3%) | 192.0.2.2 (33.3%) | +1 more');
    assert.equal(formatAnswerSets(sets, 3), '192.0.2.1 (33.3%) | 192.0.2.2 (33.3%) | 192.0.2.3 (33.3%)');
  });

  const rules: Array<[string | undefined, boolean, RegExp]> = [
    ['healthy', false, /^healthy: the healthy targets that are not drained answer$/],
    ['fail-open', false, /^fail-open: no target is healthy and whenAllDown is all/],
    ['all-down', false, /^all-down: .*whenAllDown is none.*NODATA/],
    ['no-addresses', false, /^no-addresses: no target has an address of this type/],
    ['others-healthy', false, /^others-healthy: no target is healthy for this type, but one is for the other type: .*NODATA/],
    ['healthy', true, /every target is drained, so the drains are ignored$/],
    [undefined, false, /^unknown$/],
    ['new-rule', false, /^new-rule: see the server documentation$/],
  ];
  for (const [rule, ignored, expected] of rules) it(`describeRule(${rule}, ${ignored})`, () => assert.match(describeRule(rule, ignored), expected));
  it("describeRule prefers the server's words", () =>
    assert.equal(describeRule('fail-open', false, 'no target is healthy'), 'fail-open: no target is healthy'));

  it('sparkline scales samples to their range, and needs two', () => {
    assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([5, 5]), '▁▁');
    assert.equal(sparkline([5]), '');
    assert.equal(
      sparkline(
        Array.from({ length: 20 }, (_, i) => i),
        4,
      ),
      '▁▃▆█',
    );
  });

  it('table pads to the visible width, coloured or not, with no trailing spaces', () => {
    const plain = table(
      ['A', 'BB', 'C'],
      [
        ['x', 'y', ''],
        ['longer', 'z', 'end'],
      ],
      false,
    );
    assert.deepEqual(plain, ['  A       BB  C', '  x       y', '  longer  z   end']);
    const coloured = table(
      ['A', 'BB', 'C'],
      [
        [paint(true, 'red', 'x'), 'y', ''],
        ['longer', 'z', 'end'],
      ],
      true,
    );
    assert.deepEqual(coloured.map(stripAnsi), plain);
    assert.ok(coloured[1].startsWith(`  ${ESC}31mx${ESC}39m       y`));
  });

  const skews: Array<[number | null, string]> = [
    [null, '-'],
    [0, '±0 ms'],
    [12.4, '+12 ms'],
    [-3, '-3 ms'],
    [9_999, '+9999 ms'],
    [-192_000, '-3m12s'],
  ];
  for (const [ms, expected] of skews) it(`formatSkew(${ms}) = ${expected}`, () => assert.equal(formatSkew(ms), expected));

  const vote = (instance: string, verdict: VoteView['verdict'], fresh = true): VoteView => ({ instance, verdict, fresh });
  const votes: Array<[string, string, VoteView[], string]> = [
    ['a majority down', 'down', [vote('self', 'down'), vote('b', 'down'), vote('c', 'up')], 'down (quorum 2/3: here down, b down, c up)'],
    ['here overruled', 'up', [vote('self', 'down'), vote('b', 'up'), vote('c', 'up')], 'up (quorum 2/3: here down, b up, c up)'],
    ['a tie, healthy', 'up', [vote('self', 'down'), vote('b', 'up')], 'up (quorum 1/2: here down, b up)'],
    ['a stale peer, not counted', 'down', [vote('self', 'down'), vote('b', 'up', false)], 'down (quorum 1/1: here down, b up (stale))'],
    ['a peer without a verdict', 'up', [vote('self', 'up'), vote('b', 'none')], 'up (quorum 1/1: here up, b no verdict)'],
    ['no verdict anywhere', 'unknown', [vote('self', 'none'), vote('b', 'none')], 'unknown (no votes: here no verdict, b no verdict)'],
  ];
  for (const [what, health, list, expected] of votes) it(`formatVotes: ${what}`, () => assert.equal(formatVotes(health, list), expected));

  it('paint is the identity without colour', () => {
    assert.equal(paint(false, 'green', 'up'), 'up');
    assert.equal(paint(true, 'green', 'up'), `${ESC}32mup${ESC}39m`);
    assert.equal(paint(true, 'green', ''), '');
  });
});

describe('renderStatus', () => {
  const plain = renderStatus(STATUS, { color: false, admin: 'http://127.0.0.1:9153' });
  const text = plain.join('\n');

  const expectations: Array<[string, RegExp]> = [
    ['the header with readiness', /^Meridian at http:\/\/127\.0\.0\.1:9153: ready$/m],
    ['the last reload, when and serials', /^last reload: ok, 3m12s ago \(serials: gslb\.example\.test 2025060101\)$/m],
    ['a synced cluster', /^ {2}eu +synced +1s ago +0 +ingresses 3$/m],
    ['a late cluster', /^ {2}us +not synced \(late\) +- +4 +-$/m],
    ['the drain with its age, author and reason', /^ {2}192\.0\.2\.30 {2}1m15s ago {2}manual {2}disk swap {2}-$/m],
    [
      'the maintenance window and its next occurrence',
      /^ {2}gslb\.example\.test {2}eu-west {2}0 2 \* \* SUN {2}1h {8}idle {3}in 6d14h \(2025-06-08T02:00:00\.000Z\)$/m,
    ],
    ['the zone', /^ZONE gslb\.example\.test {2}serial 2025060101 {2}\/zones\/gslb\.example\.test\.yaml$/m],
    ['the weighted record with its check', /^ {2}app\.gslb\.example\.test {2}weighted, when all down: all, http :8080 \/healthz every 5s$/m],
    ['the weighted answer, A and AAAA, and its rule', /^ {4}answer: A 192\.0\.2\.10 \(75%\) \| 192\.0\.2\.20 \(25%\); AAAA 2001:db8::20 {2}\[healthy\]$/m],
    ['an up address with since and latency sparkline', /^ {4}#0 192\.0\.2\.10 +3 +192\.0\.2\.10 +up +- +status 200 +50m0s ago +2\.5 ms ▂▁█$/m],
    [
      'an up address that failed recently',
      /^ {4}#1 192\.0\.2\.20, 2001:db8::20 +1 +192\.0\.2\.20 +up +- +status 200 \(last failure: status 503, 45s ago\) +30s ago +3 ms$/m,
    ],
    ['a second address of a target, under the first', /^ {41}2001:db8::20 +down +- +refused +3m12s ago +-$/m],
    ['the failover record without a check', /^ {2}shop\.gslb\.example\.test {2}failover, when all down: all, no health check$/m],
    ['the failover answer', /^ {4}answer: A 192\.0\.2\.40 {2}\[healthy\]$/m],
    ['the priority column and the drained address', /^ {4}TARGET +PRIORITY +ADDRESS .*\n {4}#0 192\.0\.2\.30 +1 +192\.0\.2\.30 +up +drained +no health check/m],
    ['static records listed, aligned', /^ {4}www\.gslb\.example\.test {3}cname\n {4}info\.gslb\.example\.test {2}static$/m],
    [
      'transitions, newest first',
      /RECENT TRANSITIONS\n {2}WHEN +RECORD +ADDRESS +CHANGE +REASON\n {2}30s ago +app\.gslb\.example\.test +192\.0\.2\.20 +down → up +status 200\n {2}10m0s ago .*up → down +status 503$/m,
    ],
  ];
  for (const [what, pattern] of expectations) it(`shows ${what}`, () => assert.match(text, pattern));

  it('has no colour codes when colour is off', () => assert.ok(!text.includes(ESC)));

  it('with colour on: the same layout, health and drains coloured', () => {
    const coloured = renderStatus(STATUS, { color: true, admin: 'http://127.0.0.1:9153' });
    assert.deepEqual(coloured.map(stripAnsi), plain);
    const all = coloured.join('\n');
    assert.ok(all.includes(`${ESC}32mup${ESC}39m`), 'up is green');
    assert.ok(all.includes(`${ESC}31mdown${ESC}39m`), 'down is red');
    assert.ok(all.includes(`${ESC}35mdrained${ESC}39m`), 'drained is magenta');
    assert.ok(all.includes(`${ESC}31mnot synced (late)${ESC}39m`), 'a late cluster is red');
    assert.ok(all.includes(`${ESC}1mZONE gslb.example.test${ESC}22m`), 'headings are bold');
  });

  /** A server with nothing loaded, the base of the cases below. */
  const EMPTY: StatusDocument = {
    ready: false,
    generatedAt: GENERATED,
    clusters: [],
    lastReload: { ok: true, at: GENERATED, issues: [], serials: {} },
    failedZoneFiles: [],
    drains: [],
    maintenance: [],
    transitions: [],
    zones: [],
  };
  const withRecord = (record: Partial<BalancedRecordStatus>): StatusDocument => ({
    ...EMPTY,
    zones: [
      {
        zone: 'z',
        file: 'z.yaml',
        serial: 1,
        records: [{ name: 'r', kind: 'balanced', policy: 'weighted', whenAllDown: 'all', check: null, targets: [], ...record }],
      },
    ],
  });
  const answer = { rule: 'healthy', drainsIgnored: false, sampled: false, AAAA: [] } as const;

  const cases: Array<[string, StatusDocument, RegExp]> = [
    [
      'a server with nothing loaded',
      EMPTY,
      /^Meridian: not ready\nlast reload: ok, 0s ago\nas of 2025-06-01T12:00:00\.000Z\n\nDRAINS: none\n\nMAINTENANCE WINDOWS: none$/,
    ],
    [
      'a TCP check (no path shown)',
      withRecord({ policy: 'failover', check: { protocol: 'tcp', port: 8080, path: '/', host: 'r', intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 2 } }),
      /^ {2}r {2}failover, when all down: all, tcp :8080 every 2s$/m,
    ],
    [
      'many possible answers',
      withRecord({ answer: { ...answer, A: Array.from({ length: 6 }, (_, i) => ({ addresses: [`192.0.2.${i}`], probability: 1 / 6 })) } }),
      /answer: A 192\.0\.2\.0 \(16\.7%\) \| 192\.0\.2\.1 \(16\.7%\) \| 192\.0\.2\.2 \(16\.7%\) \| 192\.0\.2\.3 \(16\.7%\) \| \+2 more {2}\[healthy\]/,
    ],
    [
      'a reload that failed',
      { ...EMPTY, lastReload: { ok: false, at: 'yesterday', issues: ['z.yaml:3:1: bad'], serials: {} } },
      /^last reload: failed, yesterday\n {2}! z\.yaml:3:1: bad$/m,
    ],
    [
      'a record without a known answer, an address not probed yet and a target without addresses',
      withRecord({
        targets: [
          {
            index: 0,
            target: '192.0.2.9',
            weight: 1,
            drained: false,
            addresses: [{ address: '192.0.2.9', health: 'unknown', drained: false, reason: 'not probed yet' }],
          },
          { index: 1, target: 'cluster eu', cluster: 'eu', weight: 2, drained: false, addresses: [] },
        ],
      }),
      /^ZONE z {2}serial 1 {2}z\.yaml\n {2}r {2}weighted, when all down: all, no health check\n {4}answer: -\n {4}TARGET +WEIGHT .*\n {4}#0 192\.0\.2\.9 +1 +192\.0\.2\.9 +unknown +- +not probed yet +- +-\n {4}#1 cluster eu \(cluster eu\) +2 +\(no addresses\)/m,
    ],
    ['an answer of nothing', withRecord({ answer: { ...answer, rule: 'all-down', A: [] } }), /answer: no addresses \(NODATA\) {2}\[all-down\]/],
    [
      'drains ignored',
      withRecord({ answer: { ...answer, drainsIgnored: true, A: [{ addresses: ['192.0.2.1'], probability: 1 }] } }),
      /\[healthy, drains ignored: every target is drained\]/,
    ],
    [
      'a sampled answer, said to be one',
      withRecord({
        answer: {
          ...answer,
          sampled: true,
          A: [
            { addresses: ['192.0.2.1', '192.0.2.2'], probability: 0.6 },
            { addresses: ['192.0.2.2', '192.0.2.1'], probability: 0.4 },
          ],
        },
      }),
      /answer: A 192\.0\.2\.1, 192\.0\.2\.2 \(60%\) \| 192\.0\.2\.2, 192\.0\.2\.1 \(40%\) {2}\[healthy, sampled\]/,
    ],
    [
      'an ISO drain time, measured from now when generatedAt is unreadable',
      {
        ...EMPTY,
        generatedAt: 'not a time',
        drains: [{ target: 'eu', since: '2025-06-01T11:59:00.000Z', by: 'maintenance z.yaml', until: '2025-06-01T13:00:00.000Z' }],
      },
      /^ {2}eu {6}1m0s ago {2}maintenance z\.yaml {2}- {7}in 1h0m \(2025-06-01T13:00:00\.000Z\)$/m,
    ],
  ];
  for (const [what, document, pattern] of cases) {
    it(`shows ${what}`, () => {
      const lines = renderStatus(document, { color: false, now: Date.parse(GENERATED) });
      assert.match(lines.join('\n'), pattern);
    });
  }

  const PEER_GROUP: NonNullable<StatusDocument['peerGroup']> = {
    instance: 'a',
    quorum: 'a strict majority',
    staleAfterSeconds: 5,
    peers: [
      {
        instance: 'b',
        url: 'http://10.0.0.2:9101/',
        connected: true,
        fresh: true,
        lastMessageAt: at(0.4),
        lastMessageAgeSeconds: 0.4,
        clockSkewMs: 12,
        verdicts: 4,
        unknownVerdicts: 0,
      },
      {
        instance: 'c',
        url: 'http://10.0.0.3:9101/',
        connected: false,
        fresh: false,
        lastMessageAt: at(75),
        lastMessageAgeSeconds: 75,
        clockSkewMs: -3,
        verdicts: 4,
        unknownVerdicts: 2,
      },
      {
        instance: 'd',
        url: 'http://10.0.0.4:9101/',
        connected: false,
        fresh: false,
        lastMessageAt: null,
        lastMessageAgeSeconds: null,
        clockSkewMs: null,
        verdicts: 0,
        unknownVerdicts: 0,
      },
    ],
  };
  const votedAddress = {
    address: '192.0.2.9',
    health: 'down',
    drained: false,
    reason: 'timeout',
    here: 'down',
    votes: [
      { instance: 'self', verdict: 'down', fresh: true },
      { instance: 'b', verdict: 'down', fresh: true },
      { instance: 'c', verdict: 'up', fresh: false },
    ],
    quorum: 'down by quorum (a strict majority): 2 of 2 vantage points see it down (here: down, b: down, c: up (stale))',
  } as const;
  const peerCases: Array<[string, StatusDocument, RegExp]> = [
    [
      'the peer group, after the header: the rule, then each peer',
      { ...EMPTY, peerGroup: PEER_GROUP },
      /^as of .*\n\nPEER GROUP {2}instance a, quorum: a strict majority, a peer silent for 5s no longer votes\n {2}PEER +URL +LINK +VOTING +LAST MESSAGE +CLOCK SKEW +VERDICTS\n {2}b +http:\/\/10\.0\.0\.2:9101\/ +connected +fresh +0s ago +\+12 ms +4\n {2}c +http:\/\/10\.0\.0\.3:9101\/ +down +stale: not voting +1m15s ago +-3 ms +4 \(2 unknown\)\n {2}d +http:\/\/10\.0\.0\.4:9101\/ +down +stale: not voting +never +- +0\n/m,
    ],
    [
      'a warning for a peer with verdicts about probes this one does not have',
      { ...EMPTY, peerGroup: PEER_GROUP },
      /^ {2}! c sends 2 verdicts about probes this instance does not have: serves other zone files\? \(ignored; mid-rollout, or a different check\)$/m,
    ],
    ['a peer group of one', { ...EMPTY, peerGroup: { ...PEER_GROUP, peers: [] } }, /^PEER GROUP .*\n {2}no peers: this instance decides alone$/m],
    [
      "an address's votes and the decision in its health",
      withRecord({ targets: [{ index: 0, target: '192.0.2.9', weight: 1, drained: false, addresses: [votedAddress] }] }),
      /^ {4}#0 192\.0\.2\.9 +1 +192\.0\.2\.9 +down \(quorum 2\/2: here down, b down, c up \(stale\)\) +- +timeout +- +-$/m,
    ],
  ];
  for (const [what, document, pattern] of peerCases) {
    it(`shows ${what}`, () => {
      const plain = renderStatus(document, { color: false });
      assert.match(plain.join('\n'), pattern);
      assert.deepEqual(renderStatus(document, { color: true }).map(stripAnsi), plain, 'colour changes nothing but the codes');
    });
  }

  it('without a peer group, shows no peer group and plain health', () => {
    assert.doesNotMatch(text, /PEER|quorum|here /);
    const coloured = renderStatus({ ...EMPTY, peerGroup: PEER_GROUP }, { color: true }).join('\n');
    assert.ok(coloured.includes(`${ESC}31m!${ESC}39m c sends 2 verdicts`), 'the mismatch warning is red');
    assert.ok(coloured.includes(`${ESC}33mstale: not voting${ESC}39m`), 'a stale peer is yellow');
  });

  it('limits the transitions listed', () => {
    const lines = renderStatus(STATUS, { color: false, transitions: 1 }).join('\n');
    assert.match(lines, /RECENT TRANSITIONS \(latest 1 of 2\)/);
    assert.doesNotMatch(lines, /up → down/);
    assert.doesNotMatch(renderStatus(STATUS, { color: false, transitions: 0 }).join('\n'), /TRANSITIONS/);
  });
});

describe('renderExplain', () => {
  const cases: Array<{ what: string; document: ExplainDocument; expected: string[] }> = [
    {
      what: 'failover with the first target drained',
      document: EXPLAIN_FAILOVER,
      expected: [
        'shop.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy failover, when all down: all',
        'targets:',
        '  TARGET         PRIORITY  ADDRESSES      DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.30  1         192.0.2.30 up  drained  -       no health check',
        '  #1 192.0.2.40  2         192.0.2.40 up  -        chosen  no health check',
        'rule: healthy: chosen among the targets with a healthy address',
        'answer: 192.0.2.40',
        'why: failover: target 0 is drained; target 1 (192.0.2.40) is the first healthy target, so it answers',
      ],
    },
    {
      what: 'weighted, failing open',
      document: EXPLAIN_WEIGHTED_FAIL_OPEN,
      expected: [
        'app.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy weighted, when all down: all',
        'targets:',
        '  TARGET         WEIGHT  ADDRESSES        DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.10  3       192.0.2.10 down  -        chosen  timeout',
        '  #1 192.0.2.20  1       192.0.2.20 down  -        chosen  refused',
        'rule: fail-open: no target is healthy, and whenAllDown: all answers every target (fail open)',
        'answer: 192.0.2.10 (75%) | 192.0.2.20 (25%)',
        'why: weighted: no target is healthy; whenAllDown: all, so every target answers',
      ],
    },
    {
      what: 'all down, nothing served',
      document: {
        ...EXPLAIN_WEIGHTED_FAIL_OPEN,
        whenAllDown: 'none',
        rule: 'all-down',
        ruleText: 'no target is healthy, and whenAllDown: none answers NODATA',
        answer: [],
        // The server's summary of all-down is its rule text: said once.
        summary: 'no target is healthy, and whenAllDown: none answers NODATA',
        targets: EXPLAIN_WEIGHTED_FAIL_OPEN.targets.map((t) => ({ ...t, chosen: false })),
      },
      expected: [
        'app.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy weighted, when all down: none',
        'targets:',
        '  TARGET         WEIGHT  ADDRESSES        DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.10  3       192.0.2.10 down  -        -       timeout',
        '  #1 192.0.2.20  1       192.0.2.20 down  -        -       refused',
        'rule: all-down: no target is healthy, and whenAllDown: none answers NODATA',
        'answer: no addresses (NODATA)',
      ],
    },
    {
      what: 'every target drained, drains ignored',
      document: {
        name: 'shop',
        type: 'A',
        zone: 'z',
        kind: 'balanced',
        policy: 'failover',
        whenAllDown: 'all',
        rule: 'healthy',
        ruleText: 'chosen among the targets with a healthy address',
        drainsIgnored: true,
        sampled: false,
        answer: [{ addresses: ['192.0.2.30'], probability: 1 }],
        targets: [
          {
            index: 0,
            target: 'cluster eu',
            weight: 1,
            priority: 1,
            chosen: true,
            drained: true,
            addresses: [{ address: '192.0.2.30', health: 'up', drained: true, reason: 'no health check' }],
          },
          { index: 1, target: 'cluster us', weight: 1, priority: 2, chosen: false, drained: true, addresses: [] },
        ],
        summary: 'failover: target 0 (cluster eu) is the first healthy target by priority, so it answers; every target is drained, so the drains are set aside',
      },
      expected: [
        'shop A  in zone z',
        'record: balanced, policy failover, when all down: all',
        'targets:',
        '  TARGET         PRIORITY  ADDRESSES      DRAINED  CHOSEN  REASON',
        '  #0 cluster eu  1         192.0.2.30 up  drained  chosen  no health check',
        '  #1 cluster us  2         no addresses   drained  -       -',
        'rule: healthy: chosen among the targets with a healthy address; every target is drained, so the drains are ignored',
        'answer: 192.0.2.30',
        'why: failover: target 0 (cluster eu) is the first healthy target by priority, so it answers; every target is drained, so the drains are set aside',
      ],
    },
    {
      what: 'AAAA of a dual-stack site drained by its IPv4 address: NODATA, the other family answers',
      document: EXPLAIN_DUAL_STACK_AAAA,
      expected: [
        'dual.gslb.example.test AAAA  in zone gslb.example.test',
        'record: balanced, policy failover, when all down: all',
        'targets:',
        '  TARGET              PRIORITY  ADDRESSES              DRAINED  CHOSEN  REASON',
        '  #0 127.0.0.31, ::1  1         127.0.0.31 up, ::1 up  drained  -       no health check',
        '  #1 127.0.0.32       2         127.0.0.32 up          -        -       no health check',
        'rule: others-healthy: no target is healthy for this family, but one is for the other family: NODATA here, rather than fail open with a dead or drained address',
        'answer: no addresses (NODATA)',
        'why: no healthy IPv6 target; IPv4 answers, so AAAA is NODATA rather than fail open with a dead or drained address; drained and never served: target 0',
      ],
    },
    {
      what: "fail-open in the server's words, its summary not repeated",
      document: {
        ...EXPLAIN_WEIGHTED_FAIL_OPEN,
        ruleText: 'no target is healthy, and whenAllDown: all answers every target (fail open)',
        summary: 'no target is healthy, and whenAllDown: all answers every target (fail open)',
      },
      expected: [
        'app.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy weighted, when all down: all',
        'targets:',
        '  TARGET         WEIGHT  ADDRESSES        DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.10  3       192.0.2.10 down  -        chosen  timeout',
        '  #1 192.0.2.20  1       192.0.2.20 down  -        chosen  refused',
        'rule: fail-open: no target is healthy, and whenAllDown: all answers every target (fail open)',
        'answer: 192.0.2.10 (75%) | 192.0.2.20 (25%)',
      ],
    },
    {
      what: 'in a peer group: which vantage point saw what, per address',
      document: {
        ...EXPLAIN_WEIGHTED_FAIL_OPEN,
        targets: EXPLAIN_WEIGHTED_FAIL_OPEN.targets.map((t) => ({
          ...t,
          addresses: t.addresses.map((a) => ({
            ...a,
            here: a.address === '192.0.2.10' ? ('up' as const) : ('down' as const),
            votes: [
              { instance: 'self', verdict: a.address === '192.0.2.10' ? ('up' as const) : ('down' as const), fresh: true },
              { instance: 'b', verdict: 'down' as const, fresh: true },
              { instance: 'c', verdict: 'down' as const, fresh: true },
            ],
            quorum:
              a.address === '192.0.2.10'
                ? 'down by quorum (a strict majority): 2 of 3 vantage points see it down (here: up, b: down, c: down)'
                : 'down by quorum (a strict majority): 3 of 3 vantage points see it down (here: down, b: down, c: down)',
          })),
        })),
        summary:
          "weighted: no target is healthy; whenAllDown: all, so every target answers; health decided by the peer group's quorum (a strict majority): 192.0.2.10 is down though it is up here",
      },
      expected: [
        'app.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy weighted, when all down: all',
        'targets:',
        '  TARGET         WEIGHT  ADDRESSES        DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.10  3       192.0.2.10 down  -        chosen  timeout',
        '  #1 192.0.2.20  1       192.0.2.20 down  -        chosen  refused',
        'vantage points:',
        '  192.0.2.10  down by quorum (a strict majority): 2 of 3 vantage points see it down (here: up, b: down, c: down)',
        '  192.0.2.20  down by quorum (a strict majority): 3 of 3 vantage points see it down (here: down, b: down, c: down)',
        'rule: fail-open: no target is healthy, and whenAllDown: all answers every target (fail open)',
        'answer: 192.0.2.10 (75%) | 192.0.2.20 (25%)',
        "why: weighted: no target is healthy; whenAllDown: all, so every target answers; health decided by the peer group's quorum (a strict majority): 192.0.2.10 is down though it is up here",
      ],
    },
    {
      what: 'in a peer group, from a server that sends votes without the sentence',
      document: {
        ...EXPLAIN_WEIGHTED_FAIL_OPEN,
        targets: [
          {
            ...EXPLAIN_WEIGHTED_FAIL_OPEN.targets[0],
            addresses: [
              { address: '192.0.2.10', health: 'down', drained: false, reason: 'timeout', votes: [{ instance: 'self', verdict: 'down', fresh: true }] },
            ],
          },
        ],
      },
      expected: [
        'app.gslb.example.test A  in zone gslb.example.test',
        'record: balanced, policy weighted, when all down: all',
        'targets:',
        '  TARGET         WEIGHT  ADDRESSES        DRAINED  CHOSEN  REASON',
        '  #0 192.0.2.10  3       192.0.2.10 down  -        chosen  timeout',
        'vantage points:',
        '  192.0.2.10  down (quorum 1/1: here down)',
        'rule: fail-open: no target is healthy, and whenAllDown: all answers every target (fail open)',
        'answer: 192.0.2.10 (75%) | 192.0.2.20 (25%)',
        'why: weighted: no target is healthy; whenAllDown: all, so every target answers',
      ],
    },
    {
      what: 'a CNAME record',
      document: {
        name: 'www.gslb.example.test',
        type: 'A',
        zone: 'gslb.example.test',
        kind: 'cname',
        answer: ['www.gslb.example.test. 30 IN CNAME app.gslb.example.test.'],
        summary: 'cname record: always answers with its CNAME',
      },
      expected: [
        'www.gslb.example.test A  in zone gslb.example.test',
        'record: cname',
        'answer:',
        '  www.gslb.example.test. 30 IN CNAME app.gslb.example.test.',
        'why: cname record: always answers with its CNAME',
      ],
    },
    {
      what: 'a static record without data of the type',
      document: {
        name: 'info.gslb.example.test',
        type: 'A',
        zone: 'gslb.example.test',
        kind: 'static',
        answer: [],
        summary: 'static record with no A data: NODATA',
      },
      expected: ['info.gslb.example.test A  in zone gslb.example.test', 'record: static', 'answer: none (NODATA)', 'why: static record with no A data: NODATA'],
    },
  ];
  for (const { what, document, expected } of cases) {
    it(`explains ${what}`, () => {
      const plain = renderExplain(document, { color: false });
      assert.deepEqual(plain, expected);
      const coloured = renderExplain(document, { color: true });
      assert.deepEqual(coloured.map(stripAnsi), expected, 'colour changes nothing but the codes');
    });
  }

  it('colours the state, the chosen target and the rule', () => {
    const coloured = renderExplain(EXPLAIN_FAILOVER, { color: true }).join('\n');
    assert.ok(coloured.includes(`${ESC}35mdrained${ESC}39m`));
    assert.ok(coloured.includes(`${ESC}32mchosen${ESC}39m`));
    assert.ok(coloured.includes(`rule: ${ESC}32mhealthy:`));
    assert.ok(renderExplain(EXPLAIN_WEIGHTED_FAIL_OPEN, { color: true }).join('\n').includes(`rule: ${ESC}33mfail-open`));
    // The name still answers in the other family: a warning, not an outage.
    assert.ok(renderExplain(EXPLAIN_DUAL_STACK_AAAA, { color: true }).join('\n').includes(`rule: ${ESC}33mothers-healthy`));
    assert.ok(!renderExplain(EXPLAIN_FAILOVER, { color: false }).join('\n').includes(ESC));
  });
});

describe('renderDrainResult', () => {
  const cases: Array<[string, 'drain' | 'undrain', unknown, { target?: string; reason?: string }, string]> = [
    [
      'a new drain',
      'drain',
      { target: '192.0.2.30', drained: true, changed: true, drains: [{}] },
      { reason: 'test' },
      'drained 192.0.2.30 (reason: test): it is no longer served; 1 drain active',
    ],
    ['a repeated drain', 'drain', { target: 'eu', drained: true, changed: false, drains: [{}, {}] }, {}, 'eu was already drained; 2 drains active'],
    [
      'an undrain',
      'undrain',
      { target: '192.0.2.30', drained: false, changed: true, drains: [] },
      {},
      'undrained 192.0.2.30: it is served again when healthy; no drains active',
    ],
    ['an undrain of what was not drained', 'undrain', { target: 'us', drained: false, changed: false, drains: [] }, {}, 'us was not drained; no drains active'],
    ['a sparse answer', 'drain', {}, { target: 'eu' }, 'drained eu: it is no longer served'],
  ];
  for (const [what, action, document, extra, expected] of cases) {
    it(`confirms ${what}`, () => {
      assert.equal(renderDrainResult(action, document, { color: false, ...extra }), expected);
      const coloured = renderDrainResult(action, document, { color: true, ...extra });
      assert.equal(stripAnsi(coloured), expected);
      assert.notEqual(coloured, expected, 'the target is coloured');
    });
  }
});

describe('colour and admin settings of the operator commands', () => {
  const colour: Array<[string, boolean | undefined, Record<string, string>, boolean]> = [
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR', true, { NO_COLOR: '1' }, false],
    ['a terminal with an empty NO_COLOR', true, { NO_COLOR: '' }, true],
    ['a pipe', undefined, {}, false],
    ['a file', false, {}, false],
  ];
  for (const [what, isTTY, env, expected] of colour) {
    it(`colour on ${what}: ${expected}`, () => assert.equal(useColor(isTTY === undefined ? {} : { isTTY }, env), expected));
  }

  const urls: Array<[string | undefined, Record<string, string>, string]> = [
    [undefined, {}, 'http://127.0.0.1:9153'],
    [undefined, { MERIDIAN_ADMIN_URL: 'http://10.0.0.1:9153/' }, 'http://10.0.0.1:9153'],
    ['127.0.0.1:19153', { MERIDIAN_ADMIN_URL: 'http://10.0.0.1:9153' }, 'http://127.0.0.1:19153'],
    ['https://meridian.example.test/admin/', {}, 'https://meridian.example.test/admin'],
    ['[::1]:9153', {}, 'http://[::1]:9153'],
  ];
  for (const [flag, env, expected] of urls) it(`admin URL from ${flag ?? JSON.stringify(env)}`, () => assert.equal(resolveAdminUrl(flag, env), expected));
  it('rejects an admin URL that is not one', () => {
    assert.throws(() => resolveAdminUrl('http://[::1', {}), AdminClientError);
    assert.throws(() => resolveAdminUrl('ftp://example.test', {}), /not an http\(s\) URL/);
  });

  it('reads the token from --token-file, MERIDIAN_ADMIN_TOKEN_FILE or MERIDIAN_ADMIN_TOKEN', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'meridian-token-'));
    try {
      const file = path.join(dir, 'token');
      await writeFile(file, '  from-the-file\n');
      assert.equal(resolveToken(file, { MERIDIAN_ADMIN_TOKEN: 'ignored' }), 'from-the-file');
      assert.equal(resolveToken(undefined, { MERIDIAN_ADMIN_TOKEN_FILE: file, MERIDIAN_ADMIN_TOKEN: 'ignored' }), 'from-the-file');
      assert.equal(resolveToken(undefined, { MERIDIAN_ADMIN_TOKEN: ' from-the-env ' }), 'from-the-env');
      assert.equal(resolveToken(undefined, {}), undefined);
      assert.throws(() => resolveToken(path.join(dir, 'missing'), {}), /cannot read the token file .*missing: ENOENT/);
      await writeFile(file, '\n');
      assert.throws(() => resolveToken(file, {}), /the token file .* is empty/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('geo and sticky records', () => {
  const geoRecord: BalancedRecordStatus = {
    name: 'near.gslb.example.test',
    kind: 'balanced',
    policy: 'geo',
    whenAllDown: 'all',
    answer: { rule: 'healthy', drainsIgnored: false, sampled: false, A: [{ addresses: ['192.0.2.2'], probability: 1 }], AAAA: [] },
    geo: {
      regions: [
        { region: 'us-east', targets: [1], A: 'up', AAAA: 'none' },
        { region: 'eu-west', targets: [0], A: 'down', AAAA: 'none' },
      ],
      walks: [
        {
          clients: ['geo.clients[0] (subnets 10.1.0.0/16)'],
          walk: ['eu-west', 'us-east'],
          A: { region: 'us-east', skipped: ['eu-west'], rule: 'healthy', answer: [{ addresses: ['192.0.2.2'], probability: 1 }] },
          AAAA: { skipped: ['eu-west', 'us-east'], rule: 'no-addresses', answer: [] },
        },
        {
          clients: ['default'],
          walk: ['us-east', 'eu-west'],
          A: { region: 'us-east', skipped: [], rule: 'healthy', answer: [{ addresses: ['192.0.2.2'], probability: 1 }] },
          AAAA: { skipped: ['us-east', 'eu-west'], rule: 'no-addresses', answer: [] },
        },
      ],
    },
    sticky: { ipv4Prefix: 24, ipv6Prefix: 56 },
    check: null,
    targets: [
      {
        index: 0,
        target: '192.0.2.1',
        region: 'eu-west',
        weight: 1,
        drained: false,
        addresses: [{ address: '192.0.2.1', health: 'down', drained: false, reason: 'refused' }],
      },
      {
        index: 1,
        target: '192.0.2.2',
        region: 'us-east',
        weight: 1,
        drained: false,
        addresses: [{ address: '192.0.2.2', health: 'up', drained: false, reason: 'status 200' }],
      },
    ],
  };
  const status: StatusDocument = { ...STATUS, zones: [{ ...STATUS.zones[0], records: [geoRecord] }] };

  it('/status: the regions with their health, the answer per walk, the sticky subnet sizes, each target’s region', () => {
    const plain = renderStatus(status, { color: false, transitions: 0 });
    const text = plain.join('\n');
    assert.match(text, /^ {4}answer \(clients no rule covers\): A 192\.0\.2\.2 {2}\[healthy\]$/m);
    assert.match(text, /^ {4}regions: us-east up, eu-west down$/m);
    assert.match(text, /^ {6}CLIENTS +WALK +A +AAAA$/m);
    assert.match(text, /^ {6}geo\.clients\[0\] \(subnets 10\.1\.0\.0\/16\) {2}eu-west > us-east {2}us-east 192\.0\.2\.2 \(skipped eu-west\) {2}-$/m);
    assert.match(text, /^ {6}default +us-east > eu-west {2}us-east 192\.0\.2\.2 +-$/m);
    assert.match(text, /^ {4}sticky: each \/24 \(IPv4\) and \/56 \(IPv6\) keeps its target while it is healthy$/m);
    assert.match(text, /^ {4}#0 192\.0\.2\.1 \[eu-west\] +1 +192\.0\.2\.1 +down/m);
    assert.deepEqual(renderStatus(status, { color: true, transitions: 0 }).map(stripAnsi), plain, 'colour changes nothing but the codes');
  });

  it('explain --client: the rule, walk, skipped regions, sticky pick and scope', () => {
    const document: BalancedExplanation = {
      name: 'near.gslb.example.test',
      type: 'A',
      zone: 'gslb.example.test',
      kind: 'balanced',
      policy: 'geo',
      whenAllDown: 'all',
      rule: 'healthy',
      ruleText: 'chosen among the targets with a healthy address',
      drainsIgnored: false,
      sampled: false,
      answer: [{ addresses: ['192.0.2.2'], probability: 1 }],
      targets: geoRecord.targets.map((target) => ({ ...target, priority: target.index + 1, chosen: target.index === 1 })),
      regions: geoRecord.geo!.regions,
      client: {
        address: '10.1.7.9',
        scope: 24,
        network: '10.1.7.0/24',
        match: {
          by: 'subnet',
          rule: 0,
          text: 'geo.clients[0] (line 9): subnets 10.1.0.0/16 -> eu-west, us-east',
          subnet: '10.1.0.0/16',
          country: 'DE',
          continent: 'EU',
        },
        walk: ['eu-west', 'us-east'],
        region: 'us-east',
        skipped: [{ region: 'eu-west', why: 'no healthy A target in eu-west: 192.0.2.1 down (refused)' }],
        sticky: { subnet: '10.1.7.0/24', prefix: 24, bucket: 1234, targets: [1], addresses: ['192.0.2.2'] },
      },
      summary: 'geo: ...',
    };
    const plain = renderExplain(document, { color: false });
    assert.deepEqual(plain.slice(0, 13), [
      'near.gslb.example.test A  in zone gslb.example.test',
      'record: balanced, policy geo, when all down: all',
      'targets:',
      '  TARGET                  WEIGHT  ADDRESSES       DRAINED  CHOSEN  REASON',
      '  #0 192.0.2.1 [eu-west]  1       192.0.2.1 down  -        -       refused',
      '  #1 192.0.2.2 [us-east]  1       192.0.2.2 up    -        chosen  status 200',
      'regions: us-east up, eu-west down',
      'client: 10.1.7.9',
      '  matched: geo.clients[0] (line 9): subnets 10.1.0.0/16 -> eu-west, us-east (by 10.1.0.0/16) [GeoIP: DE, EU]',
      '  walk: eu-west > us-east',
      '  skipped eu-west: no healthy A target in eu-west: 192.0.2.1 down (refused)',
      '  region: us-east',
      '  sticky: 10.1.7.0/24 hashes to bucket 1234: target 1 (192.0.2.2)',
    ]);
    assert.equal(plain[13], '  ECS scope: /24 (the answer holds for 10.1.7.0/24)');
    assert.deepEqual(renderExplain(document, { color: true }).map(stripAnsi), plain);
  });
});
