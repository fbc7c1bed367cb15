// Micro-benchmark of Response Rate Limiting's per-query step: a client address (as dgram hands it over) to its
// exemption and its rate-limit account. It times ResponseRateLimiter.check() on streams of client addresses, and
// the platform's candidates for the address work inside it (net.BlockList for the exempt list, net.SocketAddress
// and net.isIP for reading an address) on the same streams, so the two can be compared.
//
//   npx tsc -p tsconfig.json && node_modules/.bin/node dist/test/bench/rrl-key.js [--rounds N]
//
// Each figure is the median of several rounds of a timed loop, in nanoseconds per call. The rate is high and the
// table large, so check() always sends and never evicts. Two limiters per stream: one whose exempt list covers
// the stream's clients, so check() stops after reading the address and matching the list (the part the platform
// could do, compared with BlockList.check on the same list), and one that does not, so check() goes on to the
// account's key and the table.

import net from 'node:net';
import { parseArgs } from 'node:util';
import { DEFAULT_RRL, ResponseRateLimiter, validateRrlConfig } from '../../src/dns/rrl.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const ROUNDS = Number(values.rounds);
const CALLS = 400_000;

interface Stream {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly family: 4 | 6;
}

const spread = (count: number, make: (i: number) => string): string[] => Array.from({ length: count }, (_, i) => make(i));
const STREAMS: readonly Stream[] = [
  { name: 'IPv4, one client', addresses: ['198.18.2.1'], family: 4 },
  { name: 'IPv4, 4096 clients', addresses: spread(4096, (i) => `198.${18 + ((i >> 8) & 1)}.${i & 255}.${(i * 7) & 255}`), family: 4 },
  { name: 'IPv6, 4096 clients', addresses: spread(4096, (i) => `2001:db8:${i.toString(16)}:${(i * 3).toString(16)}::${(i * 7).toString(16)}`), family: 6 },
  { name: 'IPv4-mapped IPv6, 4096 clients', addresses: spread(4096, (i) => `::ffff:198.18.${(i >> 8) & 255}.${i & 255}`), family: 6 },
];
/** Covers every client of every stream, after the default loopback rules (so a match tests the later rules). */
const COVERING = [...DEFAULT_RRL.exempt, '198.18.0.0/15', '2001:db8::/32'];

function nsPerCall(run: () => void, calls: number): number {
  const samples: number[] = [];
  run(); // warm-up: let the optimiser settle before timing
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const config = validateRrlConfig({ ...DEFAULT_RRL, responsesPerSecond: 1_000_000, maxEntries: 1_000_000 });
const exemptConfig = validateRrlConfig({ ...config, exempt: COVERING });
const exemptList = new net.BlockList();
for (const cidr of COVERING) {
  const [address, bits] = cidr.split('/') as [string, string];
  exemptList.addSubnet(address, Number(bits), net.isIPv4(address) ? 'ipv4' : 'ipv6');
}

let sink = 0;
const rows: Array<Record<string, string>> = [];
for (const stream of STREAMS) {
  const { addresses, family } = stream;
  const n = addresses.length;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const counted = new ResponseRateLimiter(config, () => 0);
  const check = nsPerCall(() => {
    for (let i = 0; i < CALLS; i++) sink += counted.check(addresses[i % n], family, 'answer', i & 1023);
  }, CALLS);
  const exempted = new ResponseRateLimiter(exemptConfig, () => 0);
  const checkExempt = nsPerCall(() => {
    for (let i = 0; i < CALLS; i++) sink += exempted.check(addresses[i % n], family, 'answer', i & 1023);
  }, CALLS);
  const blockList = nsPerCall(() => {
    for (let i = 0; i < CALLS; i++) sink += exemptList.check(addresses[i % n], type) ? 1 : 0;
  }, CALLS);
  const socketAddress = nsPerCall(() => {
    for (let i = 0; i < CALLS; i++) sink += net.SocketAddress.parse(addresses[i % n])?.port ?? 1;
  }, CALLS);
  const isIP = nsPerCall(() => {
    for (let i = 0; i < CALLS; i++) sink += net.isIP(addresses[i % n]);
  }, CALLS);
  rows.push({
    stream: stream.name,
    'check() exempt ns': checkExempt.toFixed(1),
    'BlockList.check ns': blockList.toFixed(1),
    'check() counted ns': check.toFixed(1),
    'SocketAddress.parse ns': socketAddress.toFixed(1),
    'isIP ns': isIP.toFixed(1),
  });
}
console.table(rows);
if (sink === -1) console.log(sink); // keeps the loops' results alive
