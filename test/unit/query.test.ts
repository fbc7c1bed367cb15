// Table-driven tests of the query parser's lookup key: the question name in wire form, case-folded as RFC 4343
// says (ASCII letters only), so that names differing in other octets never meet in the answer table.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newParsedQuery, parseQuery, QueryStatus } from '../../src/dns/query.js';

/** A query for one name given as raw labels (so any octet can appear), type A, class IN. */
function queryFor(labels: number[][]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x1234, 0);
  header.writeUInt16BE(1, 4);
  const name = Buffer.concat([...labels.map((label) => Buffer.from([label.length, ...label])), Buffer.from([0])]);
  return Buffer.concat([header, name, Buffer.from([0, 1, 0, 1])]);
}

const bytes = (text: string) => [...Buffer.from(text, 'latin1')];
const keyOf = (labels: number[][]) => {
  const parsed = newParsedQuery();
  parseQuery(queryFor(labels), parsed);
  assert.equal(parsed.status, QueryStatus.OK);
  return parsed.key;
};
const wire = (labels: number[][]) => String.fromCharCode(...labels.flatMap((label) => [label.length, ...label]), 0);

const cases: Array<{ name: string; labels: number[][]; key: number[][] }> = [
  { name: 'lowercase stays', labels: [bytes('app'), bytes('example')], key: [bytes('app'), bytes('example')] },
  { name: 'A–Z fold to a–z', labels: [bytes('ApP'), bytes('EXAMPLE')], key: [bytes('app'), bytes('example')] },
  { name: 'the octets around A–Z stay (@ [ ` {)', labels: [[0x40, 0x5b, 0x60, 0x7b]], key: [[0x40, 0x5b, 0x60, 0x7b]] },
  { name: '0xC9 (latin1 É) is not folded to 0xE9', labels: [[0xc9, 0x41]], key: [[0xc9, 0x61]] },
  { name: '0xC0 and 0xDE stay', labels: [[0xc0, 0xde]], key: [[0xc0, 0xde]] },
  { name: '0xE9 stays', labels: [[0xe9]], key: [[0xe9]] },
];

describe('query key case folding (RFC 4343)', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.equal(keyOf(testCase.labels), wire(testCase.key));
    });
  }

  it('a name with 0xC9 does not match the same name with 0xE9', () => {
    assert.notEqual(keyOf([[0xc9], bytes('example')]), keyOf([[0xe9], bytes('example')]));
  });
});
