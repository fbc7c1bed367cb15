import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  DEFAULT_RRL,
  RRL_DROP,
  RRL_SEND,
  RRL_SLIP,
  ResponseRateLimiter,
  validateRrlConfig,
  type ResponseKind,
  type RrlAction,
  type RrlConfig,
} from '../../src/dns/rrl.js';

// Fake clock: a mutable number of milliseconds; tests never sleep.
function limiter(config: Partial<RrlConfig> = {}) {
  const clock = { ms: 0 };
  const rrl = new ResponseRateLimiter(validateRrlConfig(config), () => clock.ms);
  return { rrl, clock };
}

type Query = readonly [address: string, family: 4 | 6, kind: ResponseKind, key: number];
const V4: Query = ['192.0.2.1', 4, 'answer', 1];

// One letter per response: S = send, D = drop, T = slip (truncated reply).
const LETTER: Record<RrlAction, string> = { [RRL_SEND]: 'S', [RRL_DROP]: 'D', [RRL_SLIP]: 'T' };
function burst(rrl: ResponseRateLimiter, n: number, q: Query = V4): string {
  let out = '';
  for (let i = 0; i < n; i++) out += LETTER[rrl.check(q[0], q[1], q[2], q[3])];
  return out;
}
const rep = (s: string, n: number) => s.repeat(n);

describe('RRL: bursts at one instant', () => {
  const cases: Array<{ name: string; config: Partial<RrlConfig>; n: number; expect: string }> = [
    { name: 'under the rate everything is sent', config: { responsesPerSecond: 5 }, n: 5, expect: 'SSSSS' },
    { name: 'slip 2: limited responses alternate drop, slip', config: { responsesPerSecond: 5, slip: 2 }, n: 10, expect: 'SSSSS' + 'DTDTD' },
    { name: 'slip 0: always drop', config: { responsesPerSecond: 5, slip: 0 }, n: 10, expect: 'SSSSS' + 'DDDDD' },
    { name: 'slip 1: every limited response slips', config: { responsesPerSecond: 5, slip: 1 }, n: 10, expect: 'SSSSS' + 'TTTTT' },
    { name: 'slip 3: every third slips', config: { responsesPerSecond: 5, slip: 3 }, n: 11, expect: 'SSSSS' + 'DDTDDT' },
    { name: 'rate 0 means unlimited', config: { responsesPerSecond: 0 }, n: 1000, expect: rep('S', 1000) },
    { name: 'logOnly never limits', config: { responsesPerSecond: 5, logOnly: true }, n: 50, expect: rep('S', 50) },
    { name: 'defaults: 20 per second, slip 2', config: {}, n: 24, expect: rep('S', 20) + 'DTDT' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { rrl } = limiter(c.config);
      assert.equal(burst(rrl, c.n), c.expect);
    });
  }

  it('each kind uses its own rate; rate 0 creates no account', () => {
    const { rrl } = limiter({ responsesPerSecond: 1, nodataPerSecond: 2, nxdomainsPerSecond: 3, errorsPerSecond: 0, slip: 0 });
    const sent = (kind: ResponseKind) => burst(rrl, 10, ['192.0.2.1', 4, kind, 7]).split('S').length - 1;
    assert.deepEqual((['answer', 'nodata', 'nxdomain', 'error'] as const).map(sent), [1, 2, 3, 10]);
    assert.equal(rrl.stats.entries, 3);
  });
});

describe('RRL: refill and window over time', () => {
  // slip 0 keeps the patterns about credit only. Each step: at `at` ms, `n` responses, expected letters.
  const cases: Array<{ name: string; config: Partial<RrlConfig>; steps: Array<{ at: number; n: number; expect: string }> }> = [
    {
      name: 'credit refills pro rata and is capped at one second of burst',
      config: { responsesPerSecond: 5, slip: 0 },
      steps: [
        { at: 0, n: 6, expect: 'SSSSSD' }, // balance -1
        { at: 400, n: 2, expect: 'SD' }, // +2 -> 1
        { at: 10_000, n: 7, expect: 'SSSSSDD' }, // refilled to 5, not 47
      ],
    },
    {
      name: 'a client at exactly the rate is never limited',
      config: { responsesPerSecond: 5, slip: 0 },
      steps: Array.from({ length: 50 }, (_, i) => ({ at: 1000 + i * 200, n: 1, expect: 'S' })),
    },
    {
      name: 'after a flood the client waits window + 1/rate seconds (floor -rate*window)',
      config: { responsesPerSecond: 2, windowSeconds: 3, slip: 0 },
      steps: [
        { at: 0, n: 100, expect: 'SS' + rep('D', 98) }, // floor -6
        { at: 3499, n: 1, expect: 'D' },
      ],
    },
    {
      name: 'recovery at window + 1/rate',
      config: { responsesPerSecond: 2, windowSeconds: 3, slip: 0 },
      steps: [
        { at: 0, n: 100, expect: 'SS' + rep('D', 98) },
        { at: 3500, n: 2, expect: 'SD' },
      ],
    },
    {
      name: 'the floor makes recovery independent of flood size',
      config: { responsesPerSecond: 2, windowSeconds: 3, slip: 0 },
      steps: [
        { at: 0, n: 100_000, expect: 'SS' + rep('D', 99_998) },
        { at: 3500, n: 1, expect: 'S' },
      ],
    },
    {
      name: 'limited responses still debit: a client that keeps flooding stays limited',
      config: { responsesPerSecond: 10, windowSeconds: 5, slip: 0 },
      steps: [
        { at: 0, n: 20, expect: rep('S', 10) + rep('D', 10) },
        ...Array.from({ length: 60 }, (_, i) => ({ at: 100 + i * 100, n: 2, expect: 'DD' })), // 20/s against 10/s
      ],
    },
    {
      name: 'a clock that does not advance earns nothing; stepping back earns nothing',
      config: { responsesPerSecond: 2, slip: 0 },
      steps: [
        { at: 5000, n: 3, expect: 'SSD' },
        { at: 4000, n: 1, expect: 'D' },
        { at: 5000, n: 1, expect: 'D' },
        { at: 5500, n: 1, expect: 'D' }, // -3 + 1 credit - 1 debit
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { rrl, clock } = limiter(c.config);
      for (const step of c.steps) {
        clock.ms = step.at;
        assert.equal(burst(rrl, step.n), step.expect, `at ${step.at} ms`);
      }
    });
  }
});

describe('RRL: which responses share an account', () => {
  // Exhaust the account of `a` (rate 3, slip 0), then probe once with `b` at the same instant.
  const cases: Array<{ name: string; config?: Partial<RrlConfig>; a: Query; b: Query; shared: boolean }> = [
    { name: 'same /24 shares', a: V4, b: ['192.0.2.200', 4, 'answer', 1], shared: true },
    { name: 'another /24 is unaffected', a: V4, b: ['192.0.3.1', 4, 'answer', 1], shared: false },
    { name: '/32 separates neighbours', config: { ipv4PrefixLength: 32 }, a: V4, b: ['192.0.2.2', 4, 'answer', 1], shared: false },
    { name: '/16 groups wider', config: { ipv4PrefixLength: 16 }, a: V4, b: ['192.0.255.255', 4, 'answer', 1], shared: true },
    { name: '/0 puts every IPv4 client together', config: { ipv4PrefixLength: 0 }, a: V4, b: ['203.0.113.9', 4, 'answer', 1], shared: true },
    { name: 'top of the IPv4 space keys correctly', a: ['255.255.255.1', 4, 'answer', 1], b: ['255.255.255.254', 4, 'answer', 1], shared: true },
    { name: 'IPv6 same /56 shares', a: ['2001:db8:0:100::1', 6, 'answer', 1], b: ['2001:db8:0:1ff:ffff::2', 6, 'answer', 1], shared: true },
    { name: 'IPv6 another /56 is unaffected', a: ['2001:db8:0:100::1', 6, 'answer', 1], b: ['2001:db8:0:200::1', 6, 'answer', 1], shared: false },
    {
      name: 'IPv6 /128 spellings of one address',
      config: { ipv6PrefixLength: 128 },
      a: ['2001:db8::1', 6, 'answer', 1],
      b: ['2001:0DB8:0:0:0::0:1', 6, 'answer', 1],
      shared: true,
    },
    {
      name: 'IPv6 /128 separates neighbours',
      config: { ipv6PrefixLength: 128 },
      a: ['2001:db8::1', 6, 'answer', 1],
      b: ['2001:db8::2', 6, 'answer', 1],
      shared: false,
    },
    { name: 'IPv6 zone id is ignored', a: ['fe80::1%eth0', 6, 'answer', 1], b: ['fe80::2', 6, 'answer', 1], shared: true },
    { name: 'IPv4-mapped IPv6 is IPv4', a: ['::ffff:192.0.2.1', 6, 'answer', 1], b: ['192.0.2.9', 4, 'answer', 1], shared: true },
    { name: 'IPv4-mapped in hex form is IPv4', a: ['::ffff:c000:201', 6, 'answer', 1], b: ['192.0.2.77', 4, 'answer', 1], shared: true },
    { name: 'IPv4-mapped in another /24 is separate', a: ['::ffff:192.0.2.1', 6, 'answer', 1], b: ['192.0.3.1', 4, 'answer', 1], shared: false },
    {
      name: 'IPv4-compatible (not mapped) stays IPv6',
      config: { ipv6PrefixLength: 128 },
      a: ['::192.0.2.1', 6, 'answer', 1],
      b: ['192.0.2.1', 4, 'answer', 1],
      shared: false,
    },
    { name: 'different responseKey, separate account', a: V4, b: ['192.0.2.1', 4, 'answer', 2], shared: false },
    { name: 'responseKeys equal mod 2^18 merge (documented)', a: V4, b: ['192.0.2.1', 4, 'answer', 1 + 2 ** 18], shared: true },
    { name: 'different kind, separate account', a: V4, b: ['192.0.2.1', 4, 'nxdomain', 1], shared: false },
    { name: 'nodata vs answer with one key, separate', a: V4, b: ['192.0.2.1', 4, 'nodata', 1], shared: false },
    { name: 'errors are keyed by prefix only', a: ['192.0.2.1', 4, 'error', 1], b: ['192.0.2.99', 4, 'error', 424242], shared: true },
    { name: 'IPv6 errors are keyed by prefix only', a: ['2001:db8::1', 6, 'error', 1], b: ['2001:db8::2', 6, 'error', 2], shared: true },
    { name: 'errors do not consume answer credit', a: ['192.0.2.1', 4, 'error', 1], b: V4, shared: false },
    { name: 'unparseable address is still accounted', a: ['bogus', 4, 'answer', 1], b: ['bogus', 4, 'answer', 1], shared: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { rrl } = limiter({ responsesPerSecond: 3, errorsPerSecond: 3, nxdomainsPerSecond: 3, nodataPerSecond: 3, slip: 0, ...c.config });
      assert.equal(burst(rrl, 4, c.a), 'SSSD');
      assert.equal(burst(rrl, 1, c.b), c.shared ? 'D' : 'S');
    });
  }
});

describe('RRL: exempt CIDRs', () => {
  const cases: Array<{ name: string; exempt: string[]; client: [string, 4 | 6]; exempted: boolean }> = [
    { name: 'IPv4 inside', exempt: ['192.0.2.0/24'], client: ['192.0.2.55', 4], exempted: true },
    { name: 'IPv4 outside', exempt: ['192.0.2.0/24'], client: ['192.0.3.1', 4], exempted: false },
    { name: 'IPv6 inside', exempt: ['2001:db8::/32'], client: ['2001:db8:1::1', 6], exempted: true },
    { name: 'IPv6 outside', exempt: ['2001:db8::/32'], client: ['2001:db9::1', 6], exempted: false },
    { name: 'IPv6 odd prefix length', exempt: ['2001:db8:ff00::/40'], client: ['2001:db8:ffff::1', 6], exempted: true },
    { name: 'IPv6 odd prefix length, outside', exempt: ['2001:db8:ff00::/40'], client: ['2001:db8:feff::1', 6], exempted: false },
    { name: 'IPv4 rule covers IPv4-mapped clients', exempt: ['192.0.2.0/24'], client: ['::ffff:192.0.2.7', 6], exempted: true },
    { name: 'IPv4-mapped rule covers IPv4 clients', exempt: ['::ffff:192.0.2.0/120'], client: ['192.0.2.7', 4], exempted: true },
    { name: 'bare address is a host route', exempt: ['198.51.100.7'], client: ['198.51.100.7', 4], exempted: true },
    { name: 'bare address, neighbour', exempt: ['198.51.100.7'], client: ['198.51.100.8', 4], exempted: false },
    { name: 'host bits in the rule are ignored', exempt: ['10.1.2.3/8'], client: ['10.200.0.1', 4], exempted: true },
    { name: '0.0.0.0/0 covers all IPv4', exempt: ['0.0.0.0/0'], client: ['203.0.113.1', 4], exempted: true },
    { name: '0.0.0.0/0 does not cover IPv6', exempt: ['0.0.0.0/0'], client: ['2001:db8::1', 6], exempted: false },
    { name: 'second rule of several', exempt: ['192.0.2.0/24', '2001:db8::/32', '203.0.113.0/25'], client: ['203.0.113.100', 4], exempted: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { rrl } = limiter({ responsesPerSecond: 2, slip: 0, exempt: c.exempt });
      assert.equal(burst(rrl, 10, [c.client[0], c.client[1], 'answer', 1]), c.exempted ? rep('S', 10) : 'SS' + rep('D', 8));
      assert.equal(rrl.stats.entries, c.exempted ? 0 : 1);
    });
  }
});

describe('RRL: stats', () => {
  it('counts limited, dropped and slipped per kind, and entries', () => {
    const { rrl } = limiter({ responsesPerSecond: 2, errorsPerSecond: 1, slip: 2 });
    assert.equal(burst(rrl, 6, V4), 'SSDTDT');
    assert.equal(burst(rrl, 4, ['192.0.2.1', 4, 'error', 0]), 'SDTD');
    assert.equal(rrl.stats.entries, 2);
    const counts = rrl.stats.counts();
    assert.equal(counts.length, 8);
    const value = (kind: ResponseKind, action: 'dropped' | 'slipped') => counts.find((r) => r.kind === kind && r.action === action)?.value;
    assert.deepEqual(
      [value('answer', 'dropped'), value('answer', 'slipped'), value('error', 'dropped'), value('error', 'slipped'), value('nxdomain', 'dropped')],
      [2, 2, 2, 1, 0],
    );
    assert.deepEqual([...rrl.stats.limited], [4, 0, 0, 3]);
  });

  it('logOnly counts what enforcing would have done', () => {
    const { rrl } = limiter({ responsesPerSecond: 2, slip: 2, logOnly: true });
    assert.equal(burst(rrl, 6), 'SSSSSS');
    assert.deepEqual([rrl.stats.dropped[0], rrl.stats.slipped[0], rrl.stats.limited[0]], [2, 2, 4]);
  });
});

describe('RRL: table bound under spoofed floods', () => {
  const prefix = (i: number) => `${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}.1`;

  it('1,000,000 spoofed /24s never grow the table past maxEntries; a limited victim stays limited', () => {
    const maxEntries = 1000;
    const { rrl, clock } = limiter({ maxEntries, responsesPerSecond: 20, windowSeconds: 15, slip: 0 });
    const victim: Query = ['203.0.113.5', 4, 'answer', 9];
    assert.equal(burst(rrl, 1000, victim), rep('S', 20) + rep('D', 980)); // at the floor, -300
    let peak = 0;
    for (let i = 0; i < 1_000_000; i++) {
      clock.ms += 0.001; // the flood lasts 1 s in all
      rrl.check(prefix(i + 1), 4, 'answer', i & 1023);
      if (rrl.stats.entries > peak) peak = rrl.stats.entries;
      // The victim's account is the one limiting: it must survive eviction of the spoofed ones.
      if (i % 50_000 === 0) assert.equal(burst(rrl, 1, victim), 'D', `victim evicted after ${i} spoofed`);
    }
    assert.ok(peak <= maxEntries, `peak ${peak}`);
    assert.equal(burst(rrl, 1, victim), 'D');
  });

  it('when every account is limiting, the oldest go: an evicted victim gets at most one second of burst', () => {
    const maxEntries = 100;
    const { rrl } = limiter({ maxEntries, responsesPerSecond: 20, slip: 0 });
    const victim: Query = ['203.0.113.5', 4, 'answer', 9];
    burst(rrl, 100, victim);
    let peak = 0;
    for (let i = 0; i < 10_000; i++) {
      for (let k = 0; k < 25; k++) rrl.check(prefix(i + 1), 4, 'answer', 1); // each spoofed account is limiting
      if (rrl.stats.entries > peak) peak = rrl.stats.entries;
    }
    assert.ok(peak <= maxEntries, `peak ${peak}`);
    assert.equal(burst(rrl, 100, victim), rep('S', 20) + rep('D', 80));
  });

  it('fully refilled accounts are evicted first', () => {
    const { rrl, clock } = limiter({ maxEntries: 8, responsesPerSecond: 5, slip: 0 });
    const victim: Query = ['203.0.113.5', 4, 'answer', 9];
    burst(rrl, 50, victim); // created first, so oldest
    clock.ms = 2000;
    for (let i = 0; i < 7; i++) burst(rrl, 1, [prefix(i + 1), 4, 'answer', 1]); // idle from now on
    clock.ms = 4000; // spoofed ones are full again, victim still at -5 - ... < 0
    for (let i = 100; i < 200; i++) {
      burst(rrl, 1, [prefix(i), 4, 'answer', 1]);
      assert.ok(rrl.stats.entries <= 8);
    }
    assert.equal(burst(rrl, 1, victim), 'D');
  });

  it('distinct IPv6 /56s are bounded too', () => {
    const { rrl, clock } = limiter({ maxEntries: 500 });
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      clock.ms += 0.01;
      rrl.check(`2001:db8:${(i >>> 8).toString(16)}:${((i & 255) << 8).toString(16)}::1`, 6, 'nxdomain', 3);
      if (rrl.stats.entries > peak) peak = rrl.stats.entries;
    }
    assert.ok(peak <= 500 && peak > 400, `peak ${peak}`);
  });
});

describe('validateRrlConfig', () => {
  it('fills defaults', () => {
    assert.deepEqual(validateRrlConfig({}), DEFAULT_RRL);
    assert.deepEqual(validateRrlConfig({ slip: 0, responsesPerSecond: undefined }), { ...DEFAULT_RRL, slip: 0 });
  });

  const bad: Array<[Partial<RrlConfig>, RegExp]> = [
    [{ responsesPerSecond: -1 }, /rrl\.responsesPerSecond/],
    [{ nodataPerSecond: -1 }, /rrl\.nodataPerSecond/],
    [{ nxdomainsPerSecond: 1.5 }, /rrl\.nxdomainsPerSecond/],
    [{ errorsPerSecond: Number.NaN }, /rrl\.errorsPerSecond/],
    [{ errorsPerSecond: -20 }, /rrl\.errorsPerSecond/],
    [{ slip: 1.5 }, /rrl\.slip/],
    [{ slip: -1 }, /rrl\.slip/],
    [{ slip: 11 }, /rrl\.slip/],
    [{ ipv4PrefixLength: 33 }, /rrl\.ipv4PrefixLength/],
    [{ ipv4PrefixLength: -1 }, /rrl\.ipv4PrefixLength/],
    [{ ipv6PrefixLength: 129 }, /rrl\.ipv6PrefixLength/],
    [{ windowSeconds: 0 }, /rrl\.windowSeconds/],
    [{ windowSeconds: 0.5 }, /rrl\.windowSeconds/],
    [{ maxEntries: 0 }, /rrl\.maxEntries/],
    [{ logOnly: 'yes' as unknown as boolean }, /rrl\.logOnly/],
    [{ exempt: '192.0.2.0/24' as unknown as string[] }, /rrl\.exempt/],
    [{ exempt: ['192.0.2.0/33'] }, /rrl\.exempt: invalid CIDR "192\.0\.2\.0\/33"/],
    [{ exempt: ['192.0.2.0/'] }, /rrl\.exempt: invalid CIDR/],
    [{ exempt: ['192.0.2/24'] }, /rrl\.exempt: invalid CIDR/],
    [{ exempt: ['2001:db8::/129'] }, /rrl\.exempt: invalid CIDR/],
    [{ exempt: ['2001:db8:::1/64'] }, /rrl\.exempt: invalid CIDR/],
    [{ exempt: ['fe80::1%eth0/64'] }, /rrl\.exempt: invalid CIDR/],
    [{ exempt: ['example.com'] }, /rrl\.exempt: invalid CIDR "example\.com"/],
  ];
  for (const [config, message] of bad) {
    it(`rejects ${inspect(config, { breakLength: Infinity })}`, () => {
      assert.throws(() => validateRrlConfig(config), message);
    });
  }

  it('the constructor validates too', () => {
    assert.throws(() => new ResponseRateLimiter({ ...DEFAULT_RRL, exempt: ['nope/8'] }, () => 0), /rrl\.exempt: invalid CIDR "nope\/8"/);
  });
});

describe('RRL defaults', () => {
  it('exempts loopback, which cannot be spoofed from the network', () => {
    const rrl = new ResponseRateLimiter(DEFAULT_RRL, () => 0);
    for (let i = 0; i < 1_000; i++) {
      assert.equal(rrl.check('127.0.0.1', 4, 'answer', 1), RRL_SEND);
      assert.equal(rrl.check('::1', 6, 'answer', 1), RRL_SEND);
    }
    let limited = 0;
    for (let i = 0; i < 1_000; i++) if (rrl.check('192.0.2.1', 4, 'answer', 1) !== RRL_SEND) limited++;
    assert.ok(limited > 900, `${limited} limited`);
  });
});
