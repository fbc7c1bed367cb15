// Static records: their a, aaaa, txt, mx, srv and caa data, each RRset holding each record once (RFC 2181 §5), and
// every RRset small enough for its answer to fit in one DNS message.

import { MAX_RRSET_OCTETS } from '../base/wire.js';
import { normaliseName, wireLength } from '../base/names.js';
import { describeValue, firstSeen, labelFor, report, type CheckContext } from './check-context.js';
import { childPointer } from './json-pointer.js';
import type { CaaData, MxData, SrvData, StaticRecord } from './model.js';
import { has, isInteger, isPlainMap, type PlainMap } from './plain-data.js';
import { CAA_TAG_PATTERN } from './schema.js';
import { canonicalAddress, checkAddressList, checkName } from './value-checks.js';

/** Text octets one TXT record can carry: RDATA ≤ 65535 octets, and every 255 octets cost a length octet. */
const MAX_TXT_OCTETS = 65_279;

/** Half of a UTF-16 surrogate pair without the other half: a JavaScript string may hold one, UTF-8 cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The static record at `pointer`, or undefined when any of its data is wrong (each problem reported). */
export function checkStaticRecord(
  ctx: CheckContext,
  pointer: string,
  value: PlainMap,
  name: string,
  zone: string | undefined,
  ttl: number,
): StaticRecord | undefined {
  const a = has(value, 'a') ? checkAddressList(ctx, childPointer(pointer, 'a'), value.a, 'ipv4') : [];
  const aaaa = has(value, 'aaaa') ? checkAddressList(ctx, childPointer(pointer, 'aaaa'), value.aaaa, 'ipv6') : [];
  const txt = has(value, 'txt') ? checkTxt(ctx, childPointer(pointer, 'txt'), value.txt) : [];
  const mx = has(value, 'mx') ? checkMx(ctx, childPointer(pointer, 'mx'), value.mx, zone) : [];
  const srv = has(value, 'srv') ? checkSrv(ctx, childPointer(pointer, 'srv'), value.srv, name, zone) : [];
  const caa = has(value, 'caa') ? checkCaa(ctx, childPointer(pointer, 'caa'), value.caa) : [];
  if (a === undefined || aaaa === undefined || txt === undefined || mx === undefined || srv === undefined || caa === undefined) {
    return undefined;
  }
  if (a.length + aaaa.length + txt.length + mx.length + srv.length + caa.length === 0) {
    report(ctx, pointer, 'value', 'a static record needs at least one a, aaaa, txt, mx, srv or caa value');
    return undefined;
  }
  // Every record of an RRset is counted with its owner name uncompressed, so the bound holds whatever dns2
  // compresses; names inside RDATA are counted in full too.
  const owner = name === '' ? 1 : Buffer.byteLength(name) + 2;
  const rrsets: ReadonlyArray<readonly [key: string, type: string, rdata: readonly number[]]> = [
    ['a', 'A', a.map(() => 4)],
    ['aaaa', 'AAAA', aaaa.map(() => 16)],
    ['txt', 'TXT', txt.map(txtRdataOctets)],
    ['mx', 'MX', mx.map((record) => 2 + wireLength(record.exchange))],
    ['srv', 'SRV', srv.map((record) => 6 + wireLength(record.target))],
    ['caa', 'CAA', caa.map((record) => 2 + record.tag.length + Buffer.byteLength(record.value, 'utf8'))],
  ];
  let fits = true;
  for (const [key, type, rdata] of rrsets) {
    const octets = rdata.reduce((sum, length) => sum + owner + 10 + length, 0);
    if (octets <= MAX_RRSET_OCTETS) continue;
    report(
      ctx,
      childPointer(pointer, key),
      'key',
      `${labelFor(ctx.root, pointer)} has ${type} values of ${octets} octets on the wire; the answer must fit in one DNS message, ` +
        `which leaves ${MAX_RRSET_OCTETS} for a record's values (see Limits)`,
    );
    fits = false;
  }
  if (!fits) return undefined;
  return {
    kind: 'static',
    name,
    ttl,
    a,
    aaaa,
    txt,
    // Left out when not written, so zones without them keep their serials (see StaticRecord).
    ...(has(value, 'mx') ? { mx } : {}),
    ...(has(value, 'srv') ? { srv } : {}),
    ...(has(value, 'caa') ? { caa } : {}),
  };
}

/**
 * Reports the second and later of equal records in one RRset (RFC 2181 §5: an RRset holds each record once)
 * and says whether there was none. `identity` is the record in presentation form, names normalised.
 */
function checkNoDuplicates(ctx: CheckContext, pointer: string, type: string, identities: ReadonlyArray<readonly [index: number, identity: string]>): boolean {
  const earlierLine = firstSeen(ctx);
  let unique = true;
  for (const [i, identity] of identities) {
    const itemPointer = childPointer(pointer, String(i));
    const line = earlierLine(identity, itemPointer);
    if (line === undefined) continue;
    report(ctx, itemPointer, 'value', `duplicate ${type} value '${identity}' (also at line ${line})`);
    unique = false;
  }
  return unique;
}

/**
 * The host name an MX exchange or SRV target names, normalised; '' for the root name "." (null MX, no service).
 * Fully qualified like a cname; an address is refused with a hint, since these types name hosts (RFC 2181 §10.3).
 */
function checkHostName(ctx: CheckContext, pointer: string, raw: unknown, what: string, zone: string | undefined): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined; // reported by the schema
  if (raw === '.') return '';
  const label = labelFor(ctx.root, pointer);
  if (canonicalAddress(normaliseName(raw)) !== undefined) {
    report(ctx, pointer, 'value', `${label} '${raw}' is an IP address; ${what} is a host name with its own A or AAAA records`);
    return undefined;
  }
  const name = checkName(ctx, pointer, 'value', raw);
  if (name !== undefined && !name.includes('.')) {
    report(ctx, pointer, 'value', `${label} '${raw}' is a single label; write the fully qualified name${zone === undefined ? '' : ` (${name}.${zone})`}`);
    return undefined;
  }
  return name;
}

const presentName = (name: string) => `${name}.`;

function checkMx(ctx: CheckContext, pointer: string, value: unknown, zone: string | undefined): MxData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const records: MxData[] = [];
  const identities: Array<[number, string]> = [];
  let allValid = true;
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const exchange = checkHostName(ctx, childPointer(itemPointer, 'exchange'), item.exchange, 'an MX exchange', zone);
    const preference = isInteger(item.preference, 0, 65535) ? item.preference : undefined;
    if (exchange === '' && preference !== undefined && preference !== 0) {
      report(ctx, childPointer(itemPointer, 'preference'), 'value', "a null MX (exchange '.') must have preference 0 (RFC 7505)");
      allValid = false;
    } else if (exchange === '' && value.length > 1) {
      report(ctx, itemPointer, 'value', "a null MX (exchange '.') must be the only MX record of its name (RFC 7505)");
      allValid = false;
    }
    if (exchange === undefined || preference === undefined) return void (allValid = false);
    records.push({ preference, exchange });
    identities.push([i, `${preference} ${presentName(exchange)}`]);
  });
  return checkNoDuplicates(ctx, pointer, 'mx', identities) && allValid ? records : undefined;
}

/** RFC 2782: an SRV RRset is owned by _Service._Proto.Name. */
function isServiceName(name: string): boolean {
  const [service, proto] = name.split('.');
  return service !== undefined && proto !== undefined && /^_./.test(service) && /^_./.test(proto);
}

function checkSrv(ctx: CheckContext, pointer: string, value: unknown, owner: string, zone: string | undefined): SrvData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let allValid = true;
  if (value.length > 0 && !isServiceName(owner)) {
    report(ctx, pointer, 'key', `an SRV record's name must start with _service._proto (RFC 2782), such as _sip._tcp; '${owner}' does not`);
    allValid = false;
  }
  const records: SrvData[] = [];
  const identities: Array<[number, string]> = [];
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const target = checkHostName(ctx, childPointer(itemPointer, 'target'), item.target, 'an SRV target', zone);
    if (target === '' && value.length > 1) {
      report(ctx, itemPointer, 'value', "an SRV target '.' (the service is not available) must be the only SRV record of its name (RFC 2782)");
      allValid = false;
    }
    const [priority, weight, port] = [item.priority, item.weight, item.port];
    if (target === undefined || !isInteger(priority, 0, 65535) || !isInteger(weight, 0, 65535) || !isInteger(port, 0, 65535)) {
      return void (allValid = false);
    }
    records.push({ priority, weight, port, target });
    identities.push([i, `${priority} ${weight} ${port} ${presentName(target)}`]);
  });
  return checkNoDuplicates(ctx, pointer, 'srv', identities) && allValid ? records : undefined;
}

/** Space and tab, the WSP of RFC 5234, trimmed by a loop: a regular expression here could backtrack badly. */
function trimWsp(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

const CAA_LABEL = '[A-Za-z0-9](?:-*[A-Za-z0-9])*';
const ISSUER_DOMAIN = new RegExp(String.raw`^${CAA_LABEL}(?:\.${CAA_LABEL})*$`);
const ISSUE_PARAMETER = new RegExp(String.raw`^${CAA_LABEL}[ \t]*=[ \t]*[\x21-\x3a\x3c-\x7e]*$`);

/**
 * RFC 8659 §4.2: issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]], parameters separated
 * by ";". A parameter value holds no ";", so splitting on it is exact.
 */
export function isIssueValue(value: string): boolean {
  const [issuer = '', ...parameters] = value.split(';');
  const domain = trimWsp(issuer);
  if (domain !== '' && !ISSUER_DOMAIN.test(domain)) return false;
  if (parameters.length === 1 && trimWsp(parameters[0]) === '') return true;
  return parameters.every((parameter) => ISSUE_PARAMETER.test(trimWsp(parameter)));
}

/** RFC 8659 §4.4: where a CA reports a refused request; Meridian takes mailto: and https: URLs. */
export function isIodefUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'mailto:' && url.pathname.includes('@')) || (url.protocol === 'https:' && url.hostname !== '');
  } catch {
    return false;
  }
}

function checkCaa(ctx: CheckContext, pointer: string, value: unknown): CaaData[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tagPattern = new RegExp(CAA_TAG_PATTERN);
  const records: CaaData[] = [];
  const identities: Array<[number, string]> = [];
  let allValid = true;
  value.forEach((item, i) => {
    if (!isPlainMap(item)) return void (allValid = false); // reported by the schema
    const itemPointer = childPointer(pointer, String(i));
    const flags = has(item, 'flags') ? item.flags : 0;
    const { tag, value: text } = item;
    if (!isInteger(flags, 0, 255) || typeof tag !== 'string' || !tagPattern.test(tag) || typeof text !== 'string') {
      return void (allValid = false); // reported by the schema
    }
    const valuePointer = childPointer(itemPointer, 'value');
    const label = labelFor(ctx.root, valuePointer);
    // Tags match case-insensitively (RFC 8659 §4.1), so ISSUE is issue.
    const property = tag.toLowerCase();
    let problem: string | undefined;
    if (LONE_SURROGATE.test(text)) problem = `${label} is not valid UTF-8 text (it holds a lone surrogate)`;
    else if ((property === 'issue' || property === 'issuewild') && !isIssueValue(text)) {
      problem =
        `${label} is not an issuer domain name with optional parameters ('ca.example' or 'ca.example; key=value'), ` +
        `nor ';' for no issuer (RFC 8659 §4.2) (got ${describeValue(text)})`;
    } else if (property === 'iodef' && !isIodefUrl(text)) {
      problem = `${label} must be a mailto: or https: URL (RFC 8659 §4.4) (got ${describeValue(text)})`;
    }
    if (problem !== undefined) {
      report(ctx, valuePointer, 'value', problem);
      return void (allValid = false);
    }
    records.push({ flags, tag, value: text });
    // Compared octet for octet, as TXT is: the value is data, and a tag written ISSUE is other octets on the wire.
    identities.push([i, `${flags} ${tag} "${text}"`]);
  });
  return checkNoDuplicates(ctx, pointer, 'caa', identities) && allValid ? records : undefined;
}

/** RDATA of one TXT record: the text in 255-octet character-strings, each after its length octet (wire.ts). */
function txtRdataOctets(text: string): number {
  const octets = Buffer.byteLength(text, 'utf8');
  return octets + Math.max(1, Math.ceil(octets / 255));
}

function checkTxt(ctx: CheckContext, pointer: string, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let allValid = true;
  // An RRset holds each record once (RFC 2181 §5): equal strings would be answered twice. Compared exactly, as
  // TXT data is octets, so 'Same' and 'same' are two records.
  const earlierLine = firstSeen(ctx);
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      allValid = false;
      return;
    }
    const itemPointer = childPointer(pointer, String(i));
    const line = earlierLine(item, itemPointer);
    if (line !== undefined) {
      report(ctx, itemPointer, 'value', `duplicate txt value '${item}' (also at line ${line})`);
      allValid = false;
      return;
    }
    const label = labelFor(ctx.root, itemPointer);
    if (LONE_SURROGATE.test(item)) {
      report(ctx, itemPointer, 'value', `${label} is not valid UTF-8 text (it holds a lone surrogate)`);
      allValid = false;
      return;
    }
    const octets = Buffer.byteLength(item, 'utf8');
    if (octets > MAX_TXT_OCTETS) {
      report(ctx, itemPointer, 'value', `${label} is ${octets} octets long; one TXT record holds at most ${MAX_TXT_OCTETS}`);
      allValid = false;
    }
  });
  return allValid ? (value as string[]) : undefined;
}
