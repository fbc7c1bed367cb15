import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSubdomainOf, nameProblem, normaliseName, resolveRecordName, wireLength } from '../../src/base/names.js';

describe('normaliseName', () => {
  it('lowercases and drops one trailing dot', () => {
    assert.equal(normaliseName('App.GSLB.example.com.'), 'app.gslb.example.com');
    assert.equal(normaliseName('app.gslb.example.com'), 'app.gslb.example.com');
  });
});

describe('nameProblem', () => {
  const label63 = 'a'.repeat(63);
  const valid = ['gslb.example.com', '_acme-challenge.example.com', 'a', 'xn--bcher-kva.example', `${label63}.com`, '1.2.3.4'];
  for (const name of valid) {
    it(`accepts ${name}`, () => assert.equal(nameProblem(name), undefined));
  }

  // Four labels of 63 octets take 4 × 64 + 1 = 257 octets on the wire; three of them and one of 61 take 255.
  const longest = [label63, label63, label63, 'a'.repeat(61)].join('.');
  it('accepts a name of exactly 255 octets on the wire', () => {
    assert.equal(wireLength(longest), 255);
    assert.equal(nameProblem(longest), undefined);
  });

  const invalid: Array<[string, string]> = [
    ['', 'it is empty'],
    ['a..b', 'it has an empty label'],
    ['.a', 'it has an empty label'],
    [`${'a'.repeat(64)}.com`, `label '${'a'.repeat(64)}' is longer than 63 octets`],
    ['-app.example.com', "label '-app' starts with '-'"],
    ['app-.example.com', "label 'app-' ends with '-'"],
    ['a b.example.com', "' ' is not allowed; a label holds only letters, digits, '_' and '-'"],
    ['*.example.com', 'wildcard names are not supported'],
    ['bücher.example', "'ü' is not allowed; write internationalised names in their punycode (xn--) form"],
    [`${longest}b`, 'it takes 256 octets on the wire; the limit is 255'],
  ];
  for (const [name, problem] of invalid) {
    it(`rejects '${name.slice(0, 20)}': ${problem.slice(0, 30)}`, () => assert.equal(nameProblem(name), problem));
  }
});

describe('isSubdomainOf', () => {
  const cases: Array<[string, string, boolean]> = [
    ['gslb.example.com', 'gslb.example.com', true],
    ['app.gslb.example.com', 'gslb.example.com', true],
    ['a.b.gslb.example.com', 'gslb.example.com', true],
    ['xgslb.example.com', 'gslb.example.com', false],
    ['example.com', 'gslb.example.com', false],
    ['app.other.org', 'gslb.example.com', false],
  ];
  for (const [name, zone, expected] of cases) {
    it(`${name} ${expected ? 'is' : 'is not'} in ${zone}`, () => assert.equal(isSubdomainOf(name, zone), expected));
  }
});

describe('resolveRecordName', () => {
  const zone = 'gslb.example.com';
  const resolved: Array<[string, string]> = [
    ['@', 'gslb.example.com'],
    ['app', 'app.gslb.example.com'],
    ['App', 'app.gslb.example.com'],
    ['api.eu', 'api.eu.gslb.example.com'],
    ['app.gslb.example.com.', 'app.gslb.example.com'],
    ['GSLB.example.com.', 'gslb.example.com'],
    // Without the trailing dot a key is relative, however much it looks like a full name.
    ['app.gslb.example.com', 'app.gslb.example.com.gslb.example.com'],
  ];
  for (const [key, name] of resolved) {
    it(`resolves '${key}' to ${name}`, () => assert.deepEqual(resolveRecordName(key, zone), { ok: true, name }));
  }

  const rejected: Array<[string, string]> = [
    ['app.other.org.', "name 'app.other.org.' is outside the zone gslb.example.com"],
    ['example.com.', "name 'example.com.' is outside the zone gslb.example.com"],
    ['-app', "'-app' is not a valid DNS name (label '-app' starts with '-')"],
    ['a..b', "'a..b' is not a valid DNS name (it has an empty label)"],
    ['', "'' is not a valid DNS name (it has an empty label)"],
    ['www.@', "'www.@' is not a valid DNS name ('@' is not allowed; a label holds only letters, digits, '_' and '-')"],
    ['.', "'.' is not a valid DNS name (it is empty)"],
  ];
  for (const [key, message] of rejected) {
    it(`rejects '${key}'`, () => assert.deepEqual(resolveRecordName(key, zone), { ok: false, message }));
  }
});
