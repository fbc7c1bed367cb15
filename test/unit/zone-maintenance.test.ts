// Maintenance windows in zone policy files: the `maintenance` list normalised into ZoneConfig.maintenance, and every
// problem reported as file:line:column. Positions are written as (line, text on that line where the problem
// starts), as in zone-validate.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZoneConfig } from '../../src/zone/model.js';
import { deriveSerial } from '../../src/zone/validate.js';
import { ZONE_FILE as FILE, formatExpected, parseValid, zoneProblems as problems, type Expected } from '../helpers/zone-text.js';

/** A zone whose targets use the cluster eu-west and the addresses 192.0.2.10, 192.0.2.20 and 2001:db8::20. */
const HEAD = [
  'zone: gslb.example.com',
  'soa: { rname: hostmaster.example.com }',
  'nameservers: { ns1.gslb.example.com: [203.0.113.53] }',
  'records:',
  '  app:',
  '    policy: weighted',
  '    targets:',
  '      - { address: 192.0.2.10 }',
  '      - { addresses: [192.0.2.20, "2001:db8::20"] }',
  '      - { cluster: eu-west, service: ingress/lb }',
  '  static: { a: [192.0.2.99] }',
] as const; // 11 lines

/**
 * The same text read by the positioned path: the fast path needs `zone:` at the start of a line, so quoting the
 * key sends the file down the positioned path, which must give the same ZoneConfig.
 */
function parsePositioned(lines: readonly string[]): ZoneConfig {
  return parseValid(lines.map((line) => line.replace(/^zone:/, '"zone":')));
}

describe('zone maintenance windows: valid files', () => {
  it('an absent list is an empty one', () => {
    assert.deepEqual(parseValid(HEAD).maintenance, []);
    assert.deepEqual(parseValid([...HEAD, 'maintenance: []']).maintenance, []);
  });

  it('reads each window into the model, in file order, with its line', () => {
    const lines = [
      ...HEAD,
      'maintenance:',
      '  - { target: eu-west, cron: "0 2 * * SUN", duration: 1h }', // 13
      '  # a comment',
      '  - target: 192.0.2.20', // 15
      '    cron: 30 1 1 * *',
      '    duration: 1h30m',
      '    reason: ingress controller upgrade',
      '  - { target: "2001:DB8:0::20", cron: "@weekly", duration: 168h }', // 19
      '  - { target: eu-west, cron: "15 */10 * * * *", duration: 500ms }', // 20
    ];
    const expected = [
      { target: 'eu-west', cron: '0 2 * * SUN', durationMs: 3_600_000, line: 13 },
      { target: '192.0.2.20', cron: '30 1 1 * *', durationMs: 5_400_000, reason: 'ingress controller upgrade', line: 15 },
      { target: '2001:db8::20', cron: '@weekly', durationMs: 7 * 24 * 3_600_000, line: 19 },
      { target: 'eu-west', cron: '15 */10 * * * *', durationMs: 500, line: 20 },
    ];
    assert.deepEqual(parseValid(lines).maintenance, expected);
    assert.deepEqual(parsePositioned(lines).maintenance, expected);
  });

  it('gives the same ZoneConfig on the fast and the positioned path, wherever the list stands in the file', () => {
    const layouts = [
      [...HEAD, 'maintenance: [ { target: eu-west, cron: "0 2 * * SUN", duration: 1h } ]'],
      [...HEAD, 'maintenance:', '- target: eu-west', '  cron: 0 2 * * SUN', '  duration: 1h', '', '# the end'],
      ['zone: gslb.example.com', 'maintenance:   # first', '', '  - { target: eu-west,', '      cron: "0 2 * * SUN", duration: 1h }', ...HEAD.slice(1)],
    ];
    for (const lines of layouts) {
      const fast = parseValid(lines);
      assert.deepEqual(fast, parsePositioned(lines), lines.join('\n'));
      assert.equal(fast.maintenance.length, 1);
    }
    assert.equal(parseValid(layouts[2]).maintenance[0]?.line, 4);
  });

  it('keeps a derived serial for a zone without windows, and gives a new one for any change of a window', () => {
    const serialOf = (lines: readonly string[]) => parseValid(lines).soa.serial;
    const base = serialOf(HEAD);
    assert.equal(serialOf([...HEAD, 'maintenance: []']), base);
    const withWindow = [...HEAD, 'maintenance: [ { target: eu-west, cron: "0 2 * * SUN", duration: 1h } ]'];
    const serial = serialOf(withWindow);
    assert.notEqual(serial, base);
    // Where the window is written is not configuration.
    assert.equal(
      serialOf(['# moved down', '', ...withWindow.slice(0, -1), '', 'maintenance:', '  - target: eu-west', '    cron: "0 2 * * SUN"', '    duration: 60m']),
      serial,
    );
    for (const changed of [
      '{ target: 192.0.2.10, cron: "0 2 * * SUN", duration: 1h }',
      '{ target: eu-west, cron: "0 3 * * SUN", duration: 1h }',
      '{ target: eu-west, cron: "0 2 * * SUN", duration: 2h }',
      '{ target: eu-west, cron: "0 2 * * SUN", duration: 1h, reason: why }',
    ]) {
      assert.notEqual(serialOf([...HEAD, `maintenance: [ ${changed} ]`]), serial, changed);
    }
    const zone = parseValid(withWindow);
    assert.equal(deriveSerial(zone), zone.soa.serial);
  });
});

describe('zone maintenance windows: invalid files', () => {
  const WINDOW_KEYS = 'cron, duration, reason, target';
  const cases: ReadonlyArray<{ name: string; lines: readonly string[]; expected: readonly Expected[] }> = [
    {
      name: 'a cron expression that does not parse, positioned at the expression',
      lines: [...HEAD, 'maintenance:', '  - { target: eu-west, cron: "61 2 * * SUN", duration: 1h }'],
      expected: [[13, '"61', 'maintenance[0].cron: minute field: 61 is out of range 0-59']],
    },
    {
      name: 'an ambiguous day, in block style',
      lines: [...HEAD, 'maintenance:', '  - target: eu-west', '    cron: 0 2 1 * SUN', '    duration: 1h'],
      expected: [
        [
          14,
          '0 2 1',
          'maintenance[0].cron: day-of-month (1) and day-of-week (SUN) are both restricted: ' +
            'crontab fires when either matches, node-cron when both do, so this is ambiguous; set one of them to *',
        ],
      ],
    },
    {
      name: 'a target that the zone does not use',
      lines: [
        ...HEAD,
        'maintenance:',
        '  - { target: us-east, cron: "0 2 * * SUN", duration: 1h }',
        '  - { target: 192.0.2.99, cron: "0 2 * * SUN", duration: 1h }', // a static record's address, not a target's
        '  - { target: "2001:db8::21", cron: "0 2 * * SUN", duration: 1h }',
      ],
      expected: [
        [13, 'us-east', "maintenance target 'us-east' is neither a cluster nor an address used by this zone's targets"],
        [14, '192.0.2.99', "maintenance target '192.0.2.99' is neither a cluster nor an address used by this zone's targets"],
        [15, '"2001', "maintenance target '2001:db8::21' is neither a cluster nor an address used by this zone's targets"],
      ],
    },
    {
      name: 'durations: zero, longer than a week, not a duration',
      lines: [
        ...HEAD,
        'maintenance:',
        '  - { target: eu-west, cron: "0 2 * * SUN", duration: 0s }',
        '  - { target: eu-west, cron: "0 3 * * SUN", duration: 168h1s }',
        '  - { target: eu-west, cron: "0 4 * * SUN", duration: 1d }',
        '  - { target: eu-west, cron: "0 5 * * SUN", duration: 60 }',
      ],
      expected: [
        [13, '0s', 'maintenance[0].duration must be longer than 0'],
        [14, '168h1s', 'maintenance[1].duration must be at most 168h (7 days)'],
        [15, '1d', "maintenance[2].duration must be a duration such as 500ms, 5s, 1m or 1h30m (got '1d')"],
        [16, '60', 'maintenance[3].duration must be a duration such as 500ms, 5s, 1m or 1h30m (got 60)'],
      ],
    },
    {
      name: 'missing and unknown keys, wrong types',
      lines: [
        ...HEAD,
        'maintenance:',
        '  - { target: eu-west, cron: "0 2 * * SUN" }',
        '  - { target: eu-west, cron: "0 2 * * SUN", duration: 1h, reasn: typo }',
        '  - { target: eu-west, cron: 5, duration: 1h, reason: [a] }',
        '  - eu-west',
      ],
      expected: [
        [13, '{', "missing required key 'duration' in maintenance[0]"],
        [14, 'reasn', `unknown key 'reasn' (allowed: ${WINDOW_KEYS})`],
        [15, '5,', 'maintenance[2].cron must be a string (got 5)'],
        [15, '[a]', 'maintenance[2].reason must be a string (got a list)'],
        [16, 'eu-west', "maintenance[3] must be a map (got 'eu-west')"],
      ],
    },
    {
      name: 'a list that is not a list',
      lines: [...HEAD, 'maintenance: { target: eu-west }'],
      expected: [[12, '{', 'maintenance must be a list (got a map)']],
    },
    {
      name: 'identical windows, however their schedule is spelt',
      lines: [
        ...HEAD,
        'maintenance:',
        '  - { target: eu-west, cron: "0 2 * * SUN", duration: 1h }',
        '  - { target: eu-west, cron: "0 2 * * 7", duration: 60m, reason: again }',
        '  - { target: eu-west, cron: "0 2 * * SUN", duration: 2h }',
        '  - { target: "2001:db8::20", cron: "@daily", duration: 1h }',
        '  - { target: "2001:DB8::20", cron: "0 0 0 * * *", duration: 1h }',
      ],
      expected: [
        [14, '{', 'duplicate maintenance window: same target, schedule and duration as maintenance[0] (line 13)'],
        [17, '{', 'duplicate maintenance window: same target, schedule and duration as maintenance[3] (line 16)'],
      ],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(
        problems(testCase.lines),
        testCase.expected.map((item) => formatExpected(testCase.lines, item)),
      );
    });
  }

  it('says to quote a cron expression that YAML reads as an alias or a reserved character, once, at its start', () => {
    const cases: ReadonlyArray<readonly [string, Expected]> = [
      ['    cron: */5 * * * *', [15, '*/5', `quote the cron expression: a YAML value that starts with '*' is an alias (write cron: "*/5 * * * *")`]],
      ['    cron: * 2 * * *   # hourly', [15, '* 2', `quote the cron expression: a YAML value that starts with '*' is an alias (write cron: "* 2 * * *")`]],
      ['    cron: @daily', [15, '@daily', `quote the cron expression: '@' is reserved in YAML (write cron: "@daily")`]],
    ];
    for (const [cronLine, expected] of cases) {
      const lines = [...HEAD, 'maintenance:', '  - target: eu-west', '    duration: 1h', cronLine];
      assert.deepEqual(problems(lines), [formatExpected(lines, expected)], cronLine);
    }
    const flow = [...HEAD, 'maintenance: [ { target: eu-west, cron: */5 * * * *, duration: 1h } ]'];
    assert.deepEqual(problems(flow), [
      formatExpected(flow, [12, '*/5', `quote the cron expression: a YAML value that starts with '*' is an alias (write cron: "*/5 * * * *")`]),
    ]);
  });

  it('lists maintenance among the allowed top-level keys', () => {
    assert.deepEqual(problems([...HEAD, 'maintenace: []']), [
      `${FILE}:12:1: unknown key 'maintenace' (allowed: dnssec, geo, maintenance, nameservers, records, soa, ttl, zone)`,
    ]);
  });
});
