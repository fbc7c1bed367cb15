// What the checks share: JSON pointers, how messages name a value, and how they describe one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeValue, labelFor } from '../../src/zone/check-context.js';
import { childPointer, pointerSegments } from '../../src/zone/json-pointer.js';

describe('childPointer and pointerSegments', () => {
  const cases: Array<[segments: string[], pointer: string]> = [
    [[], ''],
    [['records'], '/records'],
    [['records', 'app', 'targets', '0'], '/records/app/targets/0'],
    [['headers', 'a/b~c'], '/headers/a~1b~0c'],
    [['~1'], '/~01'],
    [[''], '/'],
  ];
  for (const [segments, pointer] of cases) {
    it(`${JSON.stringify(segments)} ⇄ '${pointer}'`, () => {
      assert.equal(
        segments.reduce((parent, segment) => childPointer(parent, segment), ''),
        pointer,
      );
      assert.deepEqual(pointerSegments(pointer), segments);
    });
  }
});

describe('labelFor', () => {
  const root = {
    soa: { rname: 'x' },
    nameservers: { 'ns1.example.com': ['192.0.2.1'] },
    records: { app: { a: ['192.0.2.1'], check: { interval: 5 }, targets: [{ weight: 1, addresses: ['192.0.2.2'] }] } },
    maintenance: [{ cron: 'x' }],
  };
  const cases: Array<[pointer: string, label: string]> = [
    ['', 'the zone policy'],
    ['/soa/rname', 'soa.rname'],
    ['/records/app', "record 'app'"],
    ['/records/app/check/interval', 'check.interval'],
    ['/records/app/a/1', 'a[1]'],
    ['/records/app/targets/0', 'targets[0]'],
    ['/records/app/targets/0/weight', 'weight'],
    ['/records/app/targets/0/addresses/0', 'addresses[0]'],
    ['/nameservers/ns1.example.com', "name server 'ns1.example.com'"],
    ['/nameservers/ns1.example.com/0', "name server 'ns1.example.com'[0]"],
    ['/maintenance/0', 'maintenance[0]'],
    ['/maintenance/0/cron', 'maintenance[0].cron'],
  ];
  for (const [pointer, label] of cases) {
    it(`names '${pointer}' ${label}`, () => assert.equal(labelFor(root, pointer), label));
  }
});

describe('describeValue', () => {
  const cases: Array<[value: unknown, text: string]> = [
    [null, 'nothing'],
    [undefined, 'nothing'],
    [[], 'a list'],
    [{}, 'a map'],
    ['5s', "'5s'"],
    ['x'.repeat(60), `'${'x'.repeat(60)}'`],
    ['x'.repeat(61), `'${'x'.repeat(57)}...'`],
    [5, '5'],
    [Number.NaN, 'NaN'],
    [false, 'false'],
  ];
  for (const [value, text] of cases) {
    it(`describes ${text}`, () => assert.equal(describeValue(value), text));
  }
});
