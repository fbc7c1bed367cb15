// Pass 3 of validation: the rules that span keys or need DNS knowledge, while building the ZoneConfig: names inside
// the zone, glue, one owner per name, what a record may hold beside a CNAME or a policy, CNAME loops, targets;
// with the health checks (health-check.ts), static data (static-records.ts) and maintenance windows
// (maintenance-windows.ts) checked by their own modules. It reads the data defensively and skips whatever the
// structure pass (structure.ts) has already rejected.

import { isSubdomainOf, resolveRecordName } from '../base/names.js';
import { labelFor, report, warn, firstSeen, type CheckContext } from './check-context.js';
import { DEFAULTS } from './defaults.js';
import { checkGeo, regionsInUse } from './geo.js';
import { checkDnssec } from './dnssec-policy.js';
import { checkHealthCheck } from './health-check.js';
import { childPointer } from './json-pointer.js';
import { checkMaintenance } from './maintenance-windows.js';
import type { BalancedRecord, CnameRecord, NameserverConfig, Policy, RecordConfig, SoaConfig, TargetConfig, ZoneConfig } from './model.js';
import { targetIdentity } from './model.js';
import { has, isInteger, isPlainMap, type PlainMap } from './plain-data.js';
import { MAX_SERIAL, MAX_TTL } from './schema.js';
import { serialAndFingerprint } from './serial.js';
import { checkStaticRecord } from './static-records.js';
import { checkAddress, checkAddressList, checkName } from './value-checks.js';

/** Where a file declares its zone, for the cross-file "declared twice" check. */
export interface DeclaredZone {
  readonly zone: string;
  readonly line: number;
  readonly column: number;
}

const TARGET_KINDS = ['address', 'addresses', 'cluster'] as const;
const OBJECT_SELECTORS = ['ingress', 'service', 'gateway'] as const;
const STATIC_KEYS = ['a', 'aaaa', 'txt', 'mx', 'srv', 'caa'] as const;
const BALANCED_ONLY_KEYS = ['answers', 'check', 'whenAllDown', 'sticky', 'targets'] as const;
const POLICIES: readonly Policy[] = ['weighted', 'failover', 'geo'];

interface NameOwner {
  readonly name: string;
  readonly pointer: string;
}

/** The normalised zone when the whole file is sound, and the zone it declares when that name is valid. */
export function checkZone(ctx: CheckContext, data: unknown): { zone?: ZoneConfig; declared?: DeclaredZone } {
  if (!isPlainMap(data)) return {};
  const zoneName = checkName(ctx, '/zone', 'value', data.zone);
  const declared = zoneName === undefined ? undefined : { zone: zoneName, ...ctx.index.position('/zone', 'key') };
  const ttl = isInteger(data.ttl, 0, MAX_TTL) ? data.ttl : DEFAULTS.zoneTtl;

  const nameservers = checkNameservers(ctx, data.nameservers, zoneName);
  const soa = checkSoa(ctx, data.soa, nameservers.list[0]?.name);
  const records = checkRecords(ctx, data.records, zoneName, ttl, has(data, 'geo'));
  checkDuplicateNames(ctx, [...nameservers.owners, ...records.owners]);
  checkCnameLoops(ctx, records.cnames);
  const maintenance = checkMaintenance(ctx, data.maintenance, data.records);
  const geo = checkGeo(ctx, data.geo, regionsInUse(data.records));
  const dnssec = checkDnssec(ctx, data.dnssec, zoneName);

  if (ctx.issues.length > 0 || zoneName === undefined || soa === undefined) return { declared };
  const withoutSerial: ZoneConfig = {
    file: ctx.file,
    zone: zoneName,
    ttl,
    soa: { ...soa, serial: soa.serial ?? 0 },
    nameservers: nameservers.list,
    records: records.list,
    maintenance,
    ...(geo === undefined ? {} : { geo }),
    ...(dnssec === undefined ? {} : { dnssec }),
  };
  const { serial, fingerprint } = serialAndFingerprint(withoutSerial, soa.serial);
  return { zone: { ...withoutSerial, soa: { ...withoutSerial.soa, serial }, fingerprint }, declared };
}

function checkSoa(ctx: CheckContext, value: unknown, mname: string | undefined): (Omit<SoaConfig, 'serial'> & { serial?: number }) | undefined {
  if (!isPlainMap(value)) return undefined;
  let rname: string | undefined;
  if (typeof value.rname === 'string' && value.rname.includes('@')) {
    report(ctx, '/soa/rname', 'value', `soa.rname must be written as a domain name (hostmaster.example.com), not as an e-mail address`);
  } else {
    rname = checkName(ctx, '/soa/rname', 'value', value.rname);
  }
  const seconds = (key: keyof typeof DEFAULTS.soa) => (isInteger(value[key], 0, MAX_TTL) ? value[key] : DEFAULTS.soa[key]);
  const serial = isInteger(value.serial, 1, MAX_SERIAL) ? value.serial : undefined;
  if (rname === undefined || mname === undefined) return undefined;
  return {
    mname,
    rname,
    serial,
    refresh: seconds('refresh'),
    retry: seconds('retry'),
    expire: seconds('expire'),
    minimum: seconds('minimum'),
  };
}

function checkNameservers(ctx: CheckContext, value: unknown, zone: string | undefined): { list: NameserverConfig[]; owners: NameOwner[] } {
  const list: NameserverConfig[] = [];
  const owners: NameOwner[] = [];
  if (!isPlainMap(value)) return { list, owners };
  for (const key of ctx.index.keysOf('/nameservers')) {
    const pointer = childPointer('/nameservers', key);
    const name = checkName(ctx, pointer, 'key', key);
    const addresses = checkAddressList(ctx, pointer, value[key], 'any');
    if (name === undefined || addresses === undefined) continue;
    owners.push({ name, pointer });
    const inZone = zone !== undefined && isSubdomainOf(name, zone);
    if (inZone && addresses.length === 0) {
      report(ctx, pointer, 'value', `name server '${name}' lies inside the zone and needs at least one glue address`);
    } else if (!inZone && zone !== undefined && addresses.length > 0) {
      // Common in zone files written for other servers; BIND and Knot ignore such out-of-zone data too.
      warn(
        ctx,
        pointer,
        'value',
        `name server '${name}' lies outside the zone, so its addresses are not data of this zone and are ignored; ` + 'give it an empty list ([])',
      );
      ctx.outOfZoneGlue.push({ name, addresses, ...ctx.index.position(pointer, 'value') });
      list.push({ name, addresses: [] });
      continue;
    }
    list.push({ name, addresses });
  }
  return { list, owners };
}

interface CheckedRecords {
  readonly list: RecordConfig[];
  readonly owners: NameOwner[];
  /** CNAME records with the pointer of their `cname` value, for the checks that need every name. */
  readonly cnames: Array<{ readonly record: CnameRecord; readonly pointer: string }>;
}

function checkRecords(ctx: CheckContext, value: unknown, zone: string | undefined, zoneTtl: number, zoneHasGeo: boolean): CheckedRecords {
  const checked: CheckedRecords = { list: [], owners: [], cnames: [] };
  if (!isPlainMap(value)) return checked;
  for (const key of ctx.index.keysOf('/records')) {
    const pointer = childPointer('/records', key);
    let name: string | undefined;
    if (zone !== undefined) {
      const resolved = resolveRecordName(key, zone);
      if (resolved.ok) name = resolved.name;
      else report(ctx, pointer, 'key', resolved.message);
    }
    if (name !== undefined) checked.owners.push({ name, pointer });
    // Check the body even when the name is bad, so every problem shows at once.
    const record = checkRecord(ctx, pointer, value[key], name ?? key, zone, zoneTtl, zoneHasGeo);
    if (record === undefined || name === undefined) continue;
    checked.list.push(record);
    if (record.kind === 'cname') checked.cnames.push({ record, pointer: childPointer(pointer, 'cname') });
  }
  return checked;
}

function checkDuplicateNames(ctx: CheckContext, owners: readonly NameOwner[]): void {
  // Report at the later of two keys, wherever the nameservers and records sections are in the file.
  const inFileOrder = [...owners].sort((a, b) => ctx.index.offset(a.pointer, 'key') - ctx.index.offset(b.pointer, 'key'));
  const firstOwner = new Map<string, NameOwner>();
  for (const owner of inFileOrder) {
    const first = firstOwner.get(owner.name);
    if (first === undefined) {
      firstOwner.set(owner.name, owner);
      continue;
    }
    const line = ctx.index.position(first.pointer, 'key').line;
    report(ctx, owner.pointer, 'key', `duplicate name '${owner.name}' (also at line ${line})`);
  }
}

// A target inside the zone that no record defines is not an error here: another file may serve a child zone there.
function checkCnameLoops(ctx: CheckContext, cnames: CheckedRecords['cnames']): void {
  const cnameTargets = new Map(cnames.map(({ record }) => [record.name, record.target]));
  for (const { record, pointer } of cnames) {
    if (record.target === record.name) {
      report(ctx, pointer, 'value', 'a CNAME cannot point at itself');
      continue;
    }
    // Follow the chain inside the zone; coming back to this record is a loop no resolver can finish.
    const chain = [record.name];
    for (let next = cnameTargets.get(record.name); next !== undefined; next = cnameTargets.get(next)) {
      chain.push(next);
      if (next === record.name) {
        report(ctx, pointer, 'value', `CNAME loop: ${chain.join(' → ')}`);
        break;
      }
      if (chain.length > cnameTargets.size + 1) break; // a loop further down that does not come back here
    }
  }
}

function checkRecord(
  ctx: CheckContext,
  pointer: string,
  value: unknown,
  name: string,
  zone: string | undefined,
  zoneTtl: number,
  zoneHasGeo: boolean,
): RecordConfig | undefined {
  if (!isPlainMap(value)) return undefined; // reported by the schema
  const ttl = isInteger(value.ttl, 0, MAX_TTL) ? value.ttl : zoneTtl;
  const present = (keys: readonly string[]) => keys.filter((key) => has(value, key));

  if (has(value, 'cname')) {
    const beside = Object.keys(value).filter((key) => key !== 'cname' && key !== 'ttl');
    let valid = true;
    if (beside.length > 0) {
      report(ctx, childPointer(pointer, 'cname'), 'key', `a CNAME cannot stand beside other data (${beside.join(', ')})`);
      valid = false;
    }
    if (name === zone) {
      report(ctx, pointer, 'key', 'a CNAME cannot be at the apex: it would stand beside the SOA and NS records');
      valid = false;
    }
    const target = checkName(ctx, childPointer(pointer, 'cname'), 'value', value.cname);
    // cname targets are fully qualified; "cname: app" almost surely meant app.<zone>, not a top-level name.
    if (target !== undefined && !target.includes('.')) {
      report(
        ctx,
        childPointer(pointer, 'cname'),
        'value',
        `cname '${String(value.cname)}' is a single label; write the fully qualified name` + (zone === undefined ? '' : ` (${target}.${zone})`),
      );
      valid = false;
    }
    return valid && target !== undefined ? { kind: 'cname', name, ttl, target } : undefined;
  }

  if (has(value, 'policy')) {
    for (const key of present(STATIC_KEYS)) {
      report(ctx, childPointer(pointer, key), 'key', `'${key}' cannot stand beside 'policy': a balanced record answers with the addresses of its targets`);
    }
    return checkBalancedRecord(ctx, pointer, value, name, ttl, zoneHasGeo);
  }

  const balancedOnly = present(BALANCED_ONLY_KEYS);
  for (const key of balancedOnly) {
    report(ctx, childPointer(pointer, key), 'key', `'${key}' belongs in a record with a policy (weighted, failover or geo)`);
  }
  const staticKeys = present(STATIC_KEYS);
  if (staticKeys.length > 0) return checkStaticRecord(ctx, pointer, value, name, zone, ttl);
  if (balancedOnly.length === 0) {
    report(ctx, pointer, 'value', 'the record holds no data: give it a policy and targets, a cname, or a, aaaa, txt, mx, srv or caa values');
  }
  return undefined;
}

function checkBalancedRecord(ctx: CheckContext, pointer: string, value: PlainMap, name: string, ttl: number, zoneHasGeo: boolean): BalancedRecord | undefined {
  const policy = POLICIES.find((known) => known === value.policy);
  if (policy === 'failover' && has(value, 'answers')) {
    report(ctx, childPointer(pointer, 'answers'), 'key', 'answers has no meaning in a failover record (the first healthy target answers)');
  }
  if (policy === 'failover' && has(value, 'sticky')) {
    report(
      ctx,
      childPointer(pointer, 'sticky'),
      'key',
      'sticky has no meaning in a failover record (the first healthy target answers; sticky is for weighted and geo)',
    );
  }
  if (policy === 'geo' && !zoneHasGeo) {
    report(ctx, childPointer(pointer, 'policy'), 'value', "policy geo needs the zone's client map: add a top-level geo: with default (and clients)");
  }
  if (!has(value, 'targets')) report(ctx, pointer, 'value', `missing required key 'targets' in ${labelFor(ctx.root, pointer)}`);
  const targets: TargetConfig[] = [];
  const earlierLine = firstSeen(ctx);
  if (Array.isArray(value.targets)) {
    value.targets.forEach((item, i) => {
      const itemPointer = childPointer(childPointer(pointer, 'targets'), String(i));
      const target = checkTarget(ctx, itemPointer, item, policy);
      if (target === undefined) return;
      if (policy === 'geo' && target.region === undefined) {
        report(ctx, itemPointer, 'value', 'a target of a geo record needs a region (the region named in geo.clients[].prefer and geo.default)');
        return;
      }
      // The identity names the target's metric series, so it must be unique within the record.
      const identity = targetIdentity(target);
      const line = earlierLine(identity, itemPointer);
      if (line !== undefined) {
        report(ctx, itemPointer, 'value', `duplicate target '${identity}' (also at line ${line}): a record names each target once`);
        return;
      }
      targets.push(target);
    });
  }
  const check = has(value, 'check') ? checkHealthCheck(ctx, childPointer(pointer, 'check'), value.check, name) : undefined;
  if (policy === undefined || targets.length === 0) return undefined;
  return {
    kind: 'balanced',
    name,
    policy,
    ttl,
    answers: policy !== 'failover' && isInteger(value.answers, 1, Number.MAX_SAFE_INTEGER) ? value.answers : DEFAULTS.answers,
    // Present only when set, so that records without it keep the serial they had before it existed.
    ...(policy !== 'failover' && value.sticky === true ? { sticky: true } : {}),
    ...(check === undefined ? {} : { check }),
    whenAllDown: value.whenAllDown === 'none' ? 'none' : DEFAULTS.whenAllDown,
    targets,
  };
}

function checkTarget(ctx: CheckContext, pointer: string, value: unknown, policy: Policy | undefined): TargetConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const kinds = TARGET_KINDS.filter((key) => has(value, key));
  if (kinds.length === 0) {
    report(ctx, pointer, 'value', 'a target needs one of address, addresses or cluster');
  } else if (kinds.length > 1) {
    report(ctx, pointer, 'value', `a target takes exactly one of address, addresses or cluster (found: ${kinds.join(', ')})`);
  }
  if (policy === 'failover' && has(value, 'weight')) {
    report(ctx, childPointer(pointer, 'weight'), 'key', 'weight has no meaning in a failover record');
  }
  const weight = typeof value.weight === 'number' && value.weight > 0 && Number.isFinite(value.weight) ? value.weight : DEFAULTS.weight;
  // Present only when written (the schema checks its form), so that targets without one keep their serial.
  const region = typeof value.region === 'string' ? { region: value.region } : {};
  let target: TargetConfig | undefined;
  if (has(value, 'address')) {
    const address = checkAddress(ctx, childPointer(pointer, 'address'), value.address, 'any');
    if (address !== undefined) target = { kind: 'static', addresses: [address], weight, ...region };
  }
  if (has(value, 'addresses')) {
    const addresses = checkAddressList(ctx, childPointer(pointer, 'addresses'), value.addresses, 'any');
    if (addresses !== undefined && addresses.length > 0) target = { kind: 'static', addresses, weight, ...region };
  }
  const selectors = OBJECT_SELECTORS.filter((key) => has(value, key));
  if (selectors.length > 0 && !has(value, 'cluster')) {
    report(ctx, childPointer(pointer, selectors[0]), 'key', `${selectors[0]} needs cluster: it names an object in a Kubernetes cluster`);
  }
  if (selectors.length > 1) {
    report(ctx, childPointer(pointer, selectors[1]), 'key', `a cluster target follows one object (found: ${selectors.join(', ')})`);
  }
  if (has(value, 'cluster') && typeof value.cluster === 'string') {
    const known = ctx.options.knownClusters;
    if (known !== undefined && !known.has(value.cluster)) {
      const registered = known.size === 0 ? 'none are' : `registered: ${[...known].sort().join(', ')}`;
      report(ctx, childPointer(pointer, 'cluster'), 'value', `cluster '${value.cluster}' is not registered (${registered}; use --cluster or --in-cluster)`);
    }
    const selectorKey = selectors[0];
    const ref = selectorKey === undefined ? undefined : value[selectorKey];
    if (selectorKey === undefined) {
      target = { kind: 'cluster', cluster: value.cluster, select: { by: 'host' }, weight, ...region };
    } else if (typeof ref === 'string' && ref.includes('/')) {
      const [namespace, name] = ref.split('/') as [string, string];
      target = { kind: 'cluster', cluster: value.cluster, select: { by: selectorKey, namespace, name }, weight, ...region };
    }
  }
  return kinds.length === 1 && selectors.length <= 1 ? target : undefined;
}
