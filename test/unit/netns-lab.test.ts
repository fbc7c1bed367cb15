// The pure parts of the network-namespace lab (test/helpers/netns-lab.ts): addresses of its /24 blocks, the
// names it gives namespaces and links, which leftovers belong to a dead run, and which options it refuses.
// The lab itself, with real namespaces, is tested in test/integration/netns-lab.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LINK_OWNER_MARK,
  blockAddress,
  blockOf,
  bridgeName,
  freeBlocks,
  namespaceName,
  staleLinks,
  staleNamespaces,
  validateLabOptions,
  vethName,
} from '../helpers/netns-lab.js';

describe('lab address blocks', () => {
  const cases: Array<{ block: number; host: number; address: string }> = [
    { block: 0, host: 1, address: '198.18.0.1' },
    { block: 0, host: 11, address: '198.18.0.11' },
    { block: 255, host: 101, address: '198.18.255.101' },
    { block: 256, host: 1, address: '198.19.0.1' },
    { block: 511, host: 254, address: '198.19.255.254' },
  ];
  for (const { block, host, address } of cases) {
    it(`block ${block} host ${host} is ${address}, and back`, () => {
      assert.equal(blockAddress(block, host), address);
      assert.equal(blockOf(address), block);
    });
  }

  for (const outside of ['198.17.0.1', '198.20.0.1', '10.0.0.1', '127.0.0.1', '::1']) {
    it(`${outside} is in no block`, () => assert.equal(blockOf(outside), undefined));
  }

  it('free blocks skip the ones holding an address, lowest first', () => {
    const free = freeBlocks(['127.0.0.1', '198.18.0.1', '198.18.0.101', '198.18.2.1', '198.19.0.5']);
    assert.deepEqual(free.slice(0, 3), [1, 3, 4]);
    assert.equal(free.length, 512 - 3);
    assert.ok(!free.includes(256));
  });
});

describe('lab names', () => {
  it('namespaces carry the pid, links the block', () => {
    assert.equal(namespaceName('mrd-', 4194304, 'east'), 'mrd-4194304-east');
    assert.equal(bridgeName('mrd-', 511), 'mrd-br511');
    assert.equal(vethName('mrd-', 511, 89), 'mrd-511v89');
  });

  const alive = (pid: number) => pid === 100;
  it('stale namespaces: the prefix, then a dead pid', () => {
    const names = ['mrd-100-a', 'mrd-200-a', 'mrd-200-b', 'other-200-a', 'mrd-x-a', 'mrd-300', 'mrdx-200-a'];
    assert.deepEqual(staleNamespaces('mrd-', names, alive), ['mrd-200-a', 'mrd-200-b']);
  });

  it('stale links: the prefix, and an owner mark naming a dead pid', () => {
    const links = [
      { name: 'mrd-br0', alias: `${LINK_OWNER_MARK}100` },
      { name: 'mrd-br1', alias: `${LINK_OWNER_MARK}200` },
      { name: 'mrd-1v0', alias: `${LINK_OWNER_MARK}200` },
      { name: 'mrd-br2' }, // not marked yet: its lab may be making it
      { name: 'mrd-br3', alias: 'something else' },
      { name: 'mrd-br4', alias: `${LINK_OWNER_MARK}zz` },
      { name: 'eth0', alias: `${LINK_OWNER_MARK}200` },
    ];
    assert.deepEqual(staleLinks('mrd-', links, alive), ['mrd-br1', 'mrd-1v0']);
  });
});

describe('lab options', () => {
  const ok = { instances: ['a', 'b', 'c'], ingresses: 2 };
  const refused: Array<{ what: string; prefix?: string; options: { instances: string[]; ingresses: number }; error: RegExp }> = [
    { what: 'a prefix with a capital', prefix: 'Mrd-', options: ok, error: /lab prefix/ },
    { what: 'a prefix too long for interface names', prefix: 'meridian-', options: ok, error: /lab prefix/ },
    { what: 'no instance', options: { instances: [], ingresses: 1 }, error: /at least one instance/ },
    { what: '91 instances', options: { instances: Array.from({ length: 91 }, (_, i) => `i${i}`), ingresses: 1 }, error: /at most 90 instances/ },
    { what: 'a name with a space', options: { instances: ['a b'], ingresses: 1 }, error: /instance name "a b"/ },
    { what: 'a name twice', options: { instances: ['a', 'b', 'a'], ingresses: 1 }, error: /"a" given twice/ },
    { what: '155 ingresses', options: { instances: ['a'], ingresses: 155 }, error: /ingresses/ },
    { what: 'half an ingress', options: { instances: ['a'], ingresses: 0.5 }, error: /ingresses/ },
  ];
  for (const { what, prefix, options, error } of refused) {
    it(`refuses ${what}`, () => assert.throws(() => validateLabOptions(prefix ?? 'mrd-', options), error));
  }

  it('accepts the largest lab with the longest prefix', () => {
    validateLabOptions('abcdefgh', { instances: Array.from({ length: 90 }, (_, i) => `i${i}`), ingresses: 154 });
  });
});
