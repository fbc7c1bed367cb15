// DNS name helpers for zone policy files. Names are compared and stored lowercase, fully qualified and without
// the trailing dot ("app.gslb.example.com"); the root name is not a valid name here.

export const MAX_LABEL_OCTETS = 63;
/** RFC 1035 §2.3.4: 255 octets in wire format, counting each label's length octet and the final root label. */
export const MAX_NAME_OCTETS = 255;

const LABEL_CHARACTER = /^[a-z0-9_-]$/;

/** Lowercase and drop one trailing dot: "App.Example.COM." → "app.example.com". */
export function normaliseName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Octets the name takes on the wire: one length octet per label plus its text, plus the root label. */
export function wireLength(name: string): number {
  return name === '' ? 1 : name.split('.').reduce((sum, label) => sum + 1 + label.length, 1);
}

/**
 * Why `label` (already lowercase) is not a valid label, or undefined when it is. Labels are hostname-like, with
 * '_' allowed for service names such as "_acme-challenge".
 */
export function labelProblem(label: string): string | undefined {
  if (label === '') return 'it has an empty label';
  if (label === '*') return 'wildcard names are not supported';
  for (const character of label) {
    if (!LABEL_CHARACTER.test(character)) {
      if (character.charCodeAt(0) > 0x7f) {
        return `'${character}' is not allowed; write internationalised names in their punycode (xn--) form`;
      }
      return `'${character}' is not allowed; a label holds only letters, digits, '_' and '-'`;
    }
  }
  if (label.length > MAX_LABEL_OCTETS) return `label '${label}' is longer than ${MAX_LABEL_OCTETS} octets`;
  if (label.startsWith('-')) return `label '${label}' starts with '-'`;
  if (label.endsWith('-')) return `label '${label}' ends with '-'`;
  return undefined;
}

/** Why the normalised `name` is not a valid domain name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  for (const label of name.split('.')) {
    const problem = labelProblem(label);
    if (problem !== undefined) return problem;
  }
  const octets = wireLength(name);
  if (octets > MAX_NAME_OCTETS) return `it takes ${octets} octets on the wire; the limit is ${MAX_NAME_OCTETS}`;
  return undefined;
}

export function isValidName(name: string): boolean {
  return nameProblem(name) === undefined;
}

/** Whether the normalised `name` is `zone` itself or lies below it. */
export function isSubdomainOf(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

export type NameResolution = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly message: string };

/**
 * The fully qualified name a record key stands for in `zone` (normalised): "@" is the apex, "api.eu" is
 * "api.eu.<zone>", and a key ending in "." is already absolute and must lie inside the zone.
 */
export function resolveRecordName(key: string, zone: string): NameResolution {
  if (key === '@') return { ok: true, name: zone };
  const absolute = key.endsWith('.');
  const name = absolute ? normaliseName(key) : `${key.toLowerCase()}.${zone}`;
  const problem = absolute ? nameProblem(name) : (relativeNameProblem(key.toLowerCase()) ?? nameProblem(name));
  if (problem !== undefined) return { ok: false, message: `'${key}' is not a valid DNS name (${problem})` };
  if (!isSubdomainOf(name, zone)) return { ok: false, message: `name '${key}' is outside the zone ${zone}` };
  return { ok: true, name };
}

// Checked on the key as written first, so "app..eu" or "-app" is reported in the user's own words.
function relativeNameProblem(relative: string): string | undefined {
  for (const label of relative.split('.')) {
    const problem = labelProblem(label);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** One record of one zone: what a health or endpoint change asks to rebuild. */
export interface RecordRef {
  readonly zone: string;
  readonly name: string;
}

/** One address of one target of one record: what a health state is kept for. */
export interface AddressRef {
  readonly zone: string;
  readonly record: string;
  /** Index of the target in the record's `targets`. */
  readonly target: number;
  readonly address: string;
}

/** The one key of an address's health, in the monitor and in the history. */
export function addressKey(ref: AddressRef): string {
  // join makes one flat string; a template literal makes a tree of string pieces, kept per address.
  return [ref.zone, ref.record, ref.target, ref.address].join('\n');
}

/** "zone\nrecord name": the one key of a record across the process and its DNS workers. */
export function recordKey(zone: string, record: string): string {
  return `${zone}\n${record}`;
}
