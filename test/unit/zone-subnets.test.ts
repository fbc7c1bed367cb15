// parseSubnet: the subnets of the geo client map, normalised to bytes, and every way a text fails to be one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSubnet, subnetIdentity } from '../../src/zone/subnets.js';

const valid: ReadonlyArray<readonly [text: string, family: 4 | 6, bytes: readonly number[], prefix: number]> = [
  ['10.1.0.0/16', 4, [10, 1, 0, 0], 16],
  ['192.0.2.128/25', 4, [192, 0, 2, 128], 25],
  ['0.0.0.0/0', 4, [0, 0, 0, 0], 0],
  ['203.0.113.7/32', 4, [203, 0, 113, 7], 32],
  ['2001:db8:1::/48', 6, [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 48],
  ['2001:DB8:1::/48', 6, [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 48],
  ['::/0', 6, new Array<number>(16).fill(0), 0],
  // IPv4-mapped subnets are the IPv4 subnets they cover: IPv4 clients are matched as IPv4.
  ['::ffff:10.0.0.0/104', 4, [10, 0, 0, 0], 8],
  ['::ffff:0:0/96', 4, [0, 0, 0, 0], 0],
];

const invalid: ReadonlyArray<readonly [text: string, message: string]> = [
  ['10.1.0.0', "'10.1.0.0' is not a subnet: write ADDRESS/PREFIX, such as 10.1.0.0/16"],
  ['10.1/16', "'10.1/16' is not a subnet: '10.1' is not an IPv4 or IPv6 address"],
  ['0x0a.0.0.0/8', "'0x0a.0.0.0/8' is not a subnet: '0x0a.0.0.0' is not an IPv4 or IPv6 address"],
  ['eu-west/16', "'eu-west/16' is not a subnet: 'eu-west' is not an IPv4 or IPv6 address"],
  ['fe80::%eth0/64', "'fe80::%eth0/64' is not a subnet: 'fe80::%eth0' is not an IPv4 or IPv6 address"],
  ['10.0.0.0/33', "'10.0.0.0/33' is not a subnet: the prefix length must be 0 to 32 for IPv4"],
  ['2001:db8::/129', "'2001:db8::/129' is not a subnet: the prefix length must be 0 to 128 for IPv6"],
  ['10.0.0.0/', "'10.0.0.0/' is not a subnet: the prefix length must be 0 to 32 for IPv4"],
  ['10.0.0.0/08', "'10.0.0.0/08' is not a subnet: the prefix length must be 0 to 32 for IPv4"],
  ['10.0.0.0/+8', "'10.0.0.0/+8' is not a subnet: the prefix length must be 0 to 32 for IPv4"],
  ['10.1.0.1/16', "subnet '10.1.0.1/16' has host bits set; did you mean 10.1.0.0/16?"],
  ['2001:db8:1::1/48', "subnet '2001:db8:1::1/48' has host bits set; did you mean 2001:db8:1::/48?"],
  ['2001:db8:1:ffc0::/57', "subnet '2001:db8:1:ffc0::/57' has host bits set; did you mean 2001:db8:1:ff80::/57?"],
];

describe('parseSubnet', () => {
  for (const [text, family, bytes, prefix] of valid) {
    it(`reads ${text}`, () => {
      assert.deepEqual(parseSubnet(text), { ok: true, subnet: { family, bytes, prefix, text } });
    });
  }
  for (const [text, message] of invalid) {
    it(`rejects ${text}`, () => {
      assert.deepEqual(parseSubnet(text), { ok: false, message });
    });
  }
  it('takes a /56 whose host bits are clear', () => {
    assert.equal(parseSubnet('2001:db8:1:ff00::/56').ok, true);
  });
  it('gives one identity to one subnet however it is written', () => {
    const identity = (text: string) => {
      const read = parseSubnet(text);
      assert.ok(read.ok);
      return subnetIdentity(read.subnet);
    };
    assert.equal(identity('2001:db8:1::/48'), identity('2001:0DB8:0001:0000::/48'));
    assert.equal(identity('10.0.0.0/8'), identity('::ffff:10.0.0.0/104'));
    assert.notEqual(identity('10.0.0.0/8'), identity('10.0.0.0/9'));
    assert.notEqual(identity('0.0.0.0/0'), identity('::/0'));
  });
});
