// A seeded generator of hostile DNS messages: random bytes, mutated valid queries, impossible counts,
// compression loops, and truncated OPT, ECS and names. Seeded so a failure can be replayed.

import { buildQuery, encodeName, optRecord } from './dns-message.js';

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_KINDS = ['random', 'bitflip', 'truncated', 'huge-counts', 'compression-loop', 'bad-opt', 'ecs', 'long-name', 'odd-header'] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

export function createFuzzer(seed: number, names: readonly string[]) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const types = [1, 2, 5, 6, 16, 28, 41, 251, 252, 255, 0, 65535];
  const validQuery = () =>
    buildQuery({
      name: names[int(names.length)],
      type: types[int(types.length)],
      id: int(65536),
      ...(random() < 0.5 ? { edns: { udp: int(65536), version: random() < 0.9 ? 0 : int(256), do: random() < 0.5 } } : {}),
    });

  const generators: Record<FuzzKind, () => Buffer> = {
    random: () => bytes(int(600)),
    bitflip: () => {
      const q = validQuery();
      for (let n = 1 + int(8); n > 0; n--) q[int(q.length)] ^= 1 << int(8);
      return q;
    },
    truncated: () => validQuery().subarray(0, int(60)),
    'huge-counts': () => {
      const q = validQuery();
      for (const offset of [4, 6, 8, 10]) if (random() < 0.7) q.writeUInt16BE(0xffff, offset);
      return Buffer.concat([q, bytes(int(100))]);
    },
    'compression-loop': () => {
      const header = Buffer.alloc(12);
      header.writeUInt16BE(int(65536), 0);
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(1, 10);
      // Question name points at itself; or a valid question followed by a record whose name loops.
      if (random() < 0.5) return Buffer.concat([header, Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
      const question = Buffer.concat([encodeName(names[int(names.length)]), Buffer.from([0, 1, 0, 1])]);
      const loopAt = 12 + question.length;
      const record = Buffer.from([0xc0 | (loopAt >> 8), loopAt & 0xff, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]);
      return Buffer.concat([header, question, record]);
    },
    'bad-opt': () => {
      const q = buildQuery({ name: names[int(names.length)], type: 1 });
      q.writeUInt16BE(1, 10);
      const options = bytes(int(24));
      const opt = optRecord(int(65536), 0, false, options);
      if (random() < 0.5) opt.writeUInt16BE(int(65536), 9); // lie about RDLENGTH
      return Buffer.concat([q, opt.subarray(0, random() < 0.5 ? opt.length : int(opt.length))]);
    },
    ecs: () => {
      const q = buildQuery({ name: names[int(names.length)], type: 1 });
      q.writeUInt16BE(1, 10);
      // EDNS Client Subnet (RFC 7871): family, source prefix, scope prefix, address; often cut short here.
      const address = bytes(int(20));
      const ecs = Buffer.concat([Buffer.from([0, 8, 0, 4 + address.length, 0, 1 + int(2), int(256), int(256)]), address]);
      if (random() < 0.5) ecs.writeUInt16BE(int(40), 2);
      return Buffer.concat([q, optRecord(4096, 0, false, ecs.subarray(0, random() < 0.3 ? int(ecs.length) : ecs.length))]);
    },
    'long-name': () => {
      const header = Buffer.alloc(12);
      header.writeUInt16BE(1, 4);
      const labels: Buffer[] = [];
      for (let n = 1 + int(8); n > 0; n--) {
        const length = random() < 0.2 ? 64 + int(192) : 1 + int(63);
        labels.push(Buffer.from([length]), bytes(Math.min(length, 63)));
      }
      return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
    },
    'odd-header': () => {
      const q = validQuery();
      q[2] = int(256);
      q[3] = int(256);
      return q;
    },
  };

  return {
    next(): { kind: FuzzKind; packet: Buffer } {
      const kind = FUZZ_KINDS[int(FUZZ_KINDS.length)];
      return { kind, packet: generators[kind]() };
    },
    bytes,
    int,
  };
}
