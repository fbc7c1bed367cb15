// A minimal MaxMind DB writer for tests (https://maxmind.github.io/MaxMind-DB/): an IPv6 search tree with
// 24-bit records, IPv4 networks under ::/96 as real GeoIP2 databases keep them, a data section of maps,
// strings and unsigned integers, and the metadata readers check. No npm package writes MMDB files, and the
// real databases are not free to ship; this makes a country database of a few networks, byte for byte.

import ipaddr from 'ipaddr.js';

export interface MmdbNetwork {
  /** "192.0.2.0/24" or "2001:db8::/32". */
  readonly cidr: string;
  readonly country: string;
  readonly continent: string;
}

type Value = string | number | { readonly [key: string]: Value } | readonly Value[];

function control(type: number, size: number): Buffer {
  const extended = type > 7;
  const first = ((extended ? 0 : type) << 5) | (size < 29 ? size : size < 285 ? 29 : 30);
  const head = [first];
  if (extended) head.push(type - 7);
  if (size >= 29 && size < 285) head.push(size - 29);
  else if (size >= 285) head.push((size - 285) >> 8, (size - 285) & 0xff);
  return Buffer.from(head);
}

function encode(value: Value): Buffer {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, text.length), text]);
  }
  if (typeof value === 'number') {
    const bytes: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    // uint32 (type 6) up to 4 bytes, else uint64 (extended type 9).
    return Buffer.concat([control(bytes.length <= 4 ? 6 : 9, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  const entries = Object.entries(value as { readonly [key: string]: Value });
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

/** The bytes of a country database holding these networks (they must not overlap). */
export function countryDatabase(networks: readonly MmdbNetwork[]): Buffer {
  // The tree over 128 bits: node → [left, right], each a node index, -1 (empty) or a data index (as -2 - i).
  const nodes: Array<[number, number]> = [[-1, -1]];
  const data: Buffer[] = [];
  networks.forEach((network, index) => {
    const [address, length] = ipaddr.parseCIDR(network.cidr);
    // IPv4 networks sit under ::/96 (96 zero bits, then the IPv4 address), where readers look IPv4 up.
    const v4 = address.kind() === 'ipv4';
    const bytes = v4 ? [...new Array<number>(12).fill(0), ...address.toByteArray()] : address.toByteArray();
    const prefix = v4 ? length + 96 : length;
    let node = 0;
    for (let bit = 0; bit < prefix - 1; bit++) {
      const b = (bytes[bit >> 3] >> (7 - (bit & 7))) & 1;
      let next = nodes[node][b];
      if (next < 0) {
        next = nodes.length;
        nodes.push([-1, -1]);
        nodes[node][b] = next;
      }
      node = next;
    }
    const last = prefix - 1;
    nodes[node][(bytes[last >> 3] >> (7 - (last & 7))) & 1] = -2 - index;
    data.push(encode({ continent: { code: network.continent }, country: { iso_code: network.country } }));
  });
  const offsets: number[] = [];
  let offset = 0;
  for (const d of data) {
    offsets.push(offset);
    offset += d.length;
  }
  const nodeCount = nodes.length;
  const record = (value: number) => (value >= 0 ? value : value === -1 ? nodeCount : nodeCount + 16 + offsets[-2 - value]);
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach(([left, right], i) => {
    tree.writeUIntBE(record(left), i * 6, 3);
    tree.writeUIntBE(record(right), i * 6 + 3, 3);
  });
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_764_800_000,
    database_type: 'Meridian-Test-Country',
    description: { en: 'test networks only' },
    ip_version: 6,
    languages: ['en'],
    node_count: nodeCount,
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'), metadata]);
}
