// The JSON Schema of a zone policy file. It describes structure only — types, required keys, enums, patterns and
// bounds — so editors can complete keys, show help and flag typos while people type. Rules that span several
// keys (a record is exactly one kind, a CNAME stands alone, interval ≥ timeout, names lie inside the zone, ...)
// are checked by semantics.ts and the modules it uses, which give them positioned, human messages (validate.ts).
//
// Written for JSON Schema draft-07, the draft that yaml-language-server and VS Code support best. Every property is
// inlined (no $ref) so each one carries its own description: in draft-07 a description beside a $ref is ignored.

import { DURATION_PATTERN } from './duration.js';

/** RFC 2181 §8: a TTL is an unsigned 32-bit number with the top bit clear. */
export const MAX_TTL = 2_147_483_647;
/** RFC 1982 serial numbers are unsigned 32-bit; 0 is avoided because some tools treat it as "unset". */
export const MAX_SERIAL = 4_294_967_295;

/** NAMESPACE/NAME of a Kubernetes object: a DNS label, then a DNS subdomain. */
export const OBJECT_REF_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

/** A CAA property tag (RFC 8659 §4.1): 1 to 15 ASCII letters and digits. */
export const CAA_TAG_PATTERN = '^[A-Za-z0-9]{1,15}$';

/** A Kubernetes-style cluster name: one DNS label. */
export const CLUSTER_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/**
 * A region name: one DNS label of lowercase letters, digits and '-', at most 63 characters (written out here, not
 * with maxLength, so its message differs from a cluster name's; see PATTERN_PHRASES in structure.ts).
 */
export const REGION_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** Two ASCII letters, in either case: an ISO 3166-1 alpha-2 country code, or a continent code. */
export const TWO_LETTER_CODE_PATTERN = '^[A-Za-z]{2}$';
/** One HTTP status code ("204") or an inclusive range ("200-399"). */
export const STATUS_RANGE_PATTERN = '^[1-5][0-9][0-9](-[1-5][0-9][0-9])?$';
/** An absolute request path without whitespace. */
export const HTTP_PATH_PATTERN = '^/\\S*$';

function uint16Schema(description: string) {
  return { description, type: 'integer', minimum: 0, maximum: 65535 } as const;
}

function ttlSchema(description: string) {
  return { description, type: 'integer', minimum: 0, maximum: MAX_TTL } as const;
}

function secondsSchema(description: string, defaultValue: number) {
  return { description, type: 'integer', minimum: 0, maximum: MAX_TTL, default: defaultValue } as const;
}

function durationSchema(description: string, defaultValue: string) {
  return {
    description: `${description} Written as a whole number with units h, m, s or ms, largest first: 500ms, 5s, 1m, 1h30m.`,
    type: 'string',
    pattern: DURATION_PATTERN,
    default: defaultValue,
    examples: ['500ms', '5s', '1m', '1h30m'],
  } as const;
}

function addressListSchema(description: string, family: string) {
  return {
    description,
    type: 'array',
    items: { description: `An ${family} address.`, type: 'string' },
  } as const;
}

const tlsSchema = {
  title: 'TLS settings',
  description: 'TLS settings of an https check.',
  type: 'object',
  additionalProperties: false,
  properties: {
    insecureSkipVerify: {
      description: 'Accept any server certificate without verifying it. Default false.',
      type: 'boolean',
      default: false,
    },
    ca: {
      description:
        "Path of a PEM file holding the CA certificates that sign the targets' certificates, relative to the zone " +
        "file's directory. Read when the zone is loaded; a missing or unreadable file is an error.",
      type: 'string',
      minLength: 1,
    },
  },
} as const;

const checkSchema = {
  title: 'Health check',
  description:
    'How the targets of this record are probed. Without a check every target counts as healthy. ' + 'An interval shorter than its timeout is an error.',
  type: 'object',
  additionalProperties: false,
  required: ['protocol'],
  properties: {
    protocol: {
      description:
        'http or https: a request must return an expected status (and body); tcp: a connection must open; ' +
        'none: no probing, every target counts as healthy (allows no other keys).',
      enum: ['http', 'https', 'tcp', 'none'],
    },
    port: {
      description: 'Port to probe on every target. Default 80 for http and 443 for https; required for tcp.',
      type: 'integer',
      minimum: 1,
      maximum: 65535,
    },
    path: {
      description: 'Request path (http, https). Must start with "/". Default "/".',
      type: 'string',
      pattern: HTTP_PATH_PATTERN,
      default: '/',
    },
    host: {
      description: "Host header and TLS server name (http, https). Default: the record's own name.",
      type: 'string',
      minLength: 1,
    },
    interval: durationSchema('Time between probes of a target while its state is settled. Default 5s.', '5s'),
    timeout: durationSchema('How long one probe may take before it counts as a failure. Default 2s.', '2s'),
    fastInterval: durationSchema(
      'Time between probes while a target is changing state (between its first and its rise-th or fall-th ' + 'result). Default 1s.',
      '1s',
    ),
    rise: {
      description: 'Consecutive successful probes before a down target counts as healthy. Default 2.',
      type: 'integer',
      minimum: 1,
      default: 2,
    },
    fall: {
      description: 'Consecutive failed probes before a healthy target counts as down. Default 2.',
      type: 'integer',
      minimum: 1,
      default: 2,
    },
    expect: {
      description: 'HTTP statuses that count as success (http, https): status codes (204) or inclusive ranges ("200-399"). ' + 'Default ["200-399"].',
      type: 'array',
      minItems: 1,
      items: {
        description: 'A status code such as 204, or an inclusive range such as "200-399".',
        type: ['integer', 'string'],
        minimum: 100,
        maximum: 599,
        pattern: STATUS_RANGE_PATTERN,
      },
      default: ['200-399'],
    },
    body: {
      description: 'Text the response body must contain (http, https).',
      type: 'string',
    },
    headers: {
      description: 'Extra request headers (http, https), name: value.',
      type: 'object',
      additionalProperties: { description: 'Header value.', type: 'string' },
    },
    tls: tlsSchema,
  },
} as const;

const targetSchema = {
  title: 'Target',
  description:
    'Where answers point: exactly one of address, addresses or cluster (optionally narrowed to one ingress, service or gateway), plus an optional weight (weighted records only).',
  type: 'object',
  additionalProperties: false,
  properties: {
    address: {
      description: 'One IPv4 or IPv6 address.',
      type: 'string',
      examples: ['192.0.2.10', '2001:db8::10'],
    },
    addresses: {
      description:
        'Several IPv4 and/or IPv6 addresses of one site, drained, judged and answered together as one target: one drained or down address takes the whole target out, for A and AAAA alike.',
      type: 'array',
      minItems: 1,
      items: { description: 'An IPv4 or IPv6 address.', type: 'string' },
    },
    cluster: {
      description: 'Name of a Kubernetes cluster whose addresses are found by discovery.',
      type: 'string',
      pattern: CLUSTER_NAME_PATTERN,
      maxLength: 63,
      examples: ['eu-west'],
    },
    ingress: {
      description: 'With cluster: follow this Ingress (NAMESPACE/NAME) instead of the Ingresses that route the check host.',
      type: 'string',
      pattern: OBJECT_REF_PATTERN,
      examples: ['shop/storefront'],
    },
    service: {
      description: 'With cluster: follow this Service of type LoadBalancer (NAMESPACE/NAME).',
      type: 'string',
      pattern: OBJECT_REF_PATTERN,
      examples: ['ingress-nginx/ingress-nginx-controller'],
    },
    gateway: {
      description: 'With cluster: follow this Gateway API Gateway (NAMESPACE/NAME), using its status.addresses.',
      type: 'string',
      pattern: OBJECT_REF_PATTERN,
      examples: ['gateways/public'],
    },
    weight: {
      description:
        'Relative share of answers (weighted records, and geo records within a region; a number greater than 0). Default 1. ' +
        'Has no meaning in a failover record.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 1,
    },
    region: {
      description:
        'The region this target serves, named in geo.clients[].prefer and geo.default: a DNS label of lowercase letters, ' +
        "digits and '-' (at most 63). Required on every target of a geo record.",
      type: 'string',
      pattern: REGION_NAME_PATTERN,
      examples: ['eu-west', 'us-east'],
    },
  },
} as const;

const recordSchema = {
  title: 'Record',
  description:
    'The data of one name. A record is exactly one kind: balanced (policy + targets, optionally ttl, answers, ' +
    'check, whenAllDown), cname (cname, optionally ttl) or static (a, aaaa, txt, mx, srv and/or caa, optionally ttl).',
  type: 'object',
  additionalProperties: false,
  properties: {
    policy: {
      description:
        'Makes this a balanced record. weighted: answers are drawn from the healthy targets by weight; ' +
        'failover: the targets are in priority order and the first healthy one answers; ' +
        "geo: each client is answered from the nearest region (by the zone's geo client map) that has a healthy target, " +
        'drawn by weight within it.',
      enum: ['weighted', 'failover', 'geo'],
    },
    sticky: {
      description:
        'Weighted and geo records only: the same client subnet (geo.stickyPrefix, default /24 and /56) gets the same ' +
        'target while that target is healthy; when it fails only its clients move. Default false.',
      type: 'boolean',
      default: false,
    },
    ttl: ttlSchema('TTL of the answers in seconds (0..2147483647). Default: the zone ttl.'),
    answers: {
      description:
        'Weighted and geo records only: how many distinct healthy targets one answer may hold, drawn by weight ' +
        '(for geo, within the region that answers). Default 1.',
      type: 'integer',
      minimum: 1,
      default: 1,
    },
    check: checkSchema,
    whenAllDown: {
      description: 'What to answer when no target is healthy. all (default): every target, as if all were healthy; ' + 'none: an empty answer (NODATA).',
      enum: ['all', 'none'],
      default: 'all',
    },
    targets: {
      description: 'The targets of a balanced record (at least one). For failover, in priority order.',
      type: 'array',
      minItems: 1,
      items: targetSchema,
    },
    cname: {
      description:
        'Makes this an alias of another name (fully qualified; a trailing dot is optional). A CNAME stands alone: ' +
        'only ttl may stand beside it, and the apex ("@") cannot be one.',
      type: 'string',
      minLength: 1,
      examples: ['app.gslb.example.com'],
    },
    a: addressListSchema('Static IPv4 addresses (A records).', 'IPv4'),
    aaaa: addressListSchema('Static IPv6 addresses (AAAA records).', 'IPv6'),
    txt: {
      description: 'TXT records, one per string. Strings longer than 255 octets are split on the wire.',
      type: 'array',
      items: { description: 'The text of one TXT record.', type: 'string' },
    },
    mx: {
      description:
        'MX records: where mail for this name goes. An exchange "." with preference 0, alone, is a null MX (RFC 7505): ' + 'this name accepts no mail.',
      type: 'array',
      items: {
        description: 'One MX record.',
        type: 'object',
        additionalProperties: false,
        required: ['preference', 'exchange'],
        properties: {
          preference: uint16Schema('Lower is preferred (0..65535).'),
          exchange: {
            description: 'Fully qualified host name of the mail server (a trailing dot is optional), not an address; "." for a null MX.',
            type: 'string',
            minLength: 1,
            examples: ['mail.example.com.'],
          },
        },
      },
    },
    srv: {
      description: 'SRV records (RFC 2782), on a name of the form _service._proto (_sip._tcp). A target "." alone says the ' + 'service is not available.',
      type: 'array',
      items: {
        description: 'One SRV record.',
        type: 'object',
        additionalProperties: false,
        required: ['priority', 'weight', 'port', 'target'],
        properties: {
          priority: uint16Schema('Lower is tried first (0..65535).'),
          weight: uint16Schema('Relative share among targets of the same priority; 0 for none (0..65535).'),
          port: uint16Schema('Port of the service on the target (0..65535).'),
          target: {
            description: 'Fully qualified host name of the target (a trailing dot is optional), not an address; "." for none.',
            type: 'string',
            minLength: 1,
            examples: ['sip.example.com.'],
          },
        },
      },
    },
    caa: {
      description: 'CAA records (RFC 8659): which certificate authorities may issue certificates for this name and the names below it.',
      type: 'array',
      items: {
        description: 'One CAA record.',
        type: 'object',
        additionalProperties: false,
        required: ['tag', 'value'],
        properties: {
          flags: {
            description: 'Flags octet (0..255); 128 marks the property critical (issuer critical). Default 0.',
            type: 'integer',
            minimum: 0,
            maximum: 255,
            default: 0,
          },
          tag: {
            description: 'Property tag: issue, issuewild, iodef, or another of 1 to 15 ASCII letters and digits.',
            type: 'string',
            pattern: CAA_TAG_PATTERN,
            examples: ['issue', 'issuewild', 'iodef'],
          },
          value: {
            description:
              'Property value. issue, issuewild: an issuer domain with optional "; key=value" parameters, or ";" to allow ' +
              'no issuer. iodef: a mailto: or https: URL.',
            type: 'string',
            examples: ['letsencrypt.org', ';', 'mailto:security@example.com'],
          },
        },
      },
    },
  },
} as const;

const maintenanceWindowSchema = {
  title: 'Maintenance window',
  description:
    'Drains a target on a schedule: from each occurrence of cron (UTC) for duration, the target is not served. ' +
    'target names a cluster of a cluster target, or an address of a static target, of this zone.',
  type: 'object',
  additionalProperties: false,
  required: ['target', 'cron', 'duration'],
  properties: {
    target: {
      description:
        'The target to drain: a cluster named by a cluster target of this zone (eu-west), or an address listed by ' +
        'an address or addresses target of this zone. Drained wherever it appears in this zone only ' +
        '(`meridian drain` drains it in every zone).',
      type: 'string',
      minLength: 1,
      examples: ['eu-west', '192.0.2.10'],
    },
    cron: {
      description:
        'When each window starts, in UTC: a cron expression of 5 fields (minute hour day-of-month month ' +
        'day-of-week) or 6 (a seconds field first), or @hourly, @daily, @weekly, @monthly or @yearly. ' +
        'Day-of-month and day-of-week cannot both be restricted.',
      type: 'string',
      minLength: 1,
      examples: ['0 2 * * SUN', '30 1 1 * *', '0 22 * * MON-FRI'],
    },
    duration: {
      description:
        'How long each window lasts: more than 0 and at most 168h (7 days). Written as a whole number with units ' +
        'h, m, s or ms, largest first: 30m, 1h, 1h30m.',
      type: 'string',
      pattern: DURATION_PATTERN,
      examples: ['30m', '1h', '1h30m'],
    },
    reason: {
      description: 'Why the target is drained; shown on the status page and in `meridian status`.',
      type: 'string',
      examples: ['ingress controller upgrade'],
    },
  },
} as const;

function regionListSchema(description: string) {
  return {
    description,
    type: 'array',
    minItems: 1,
    items: { description: 'A region name, as given by the region of targets.', type: 'string', pattern: REGION_NAME_PATTERN },
    examples: [['eu-west', 'us-east']],
  } as const;
}

function codeListSchema(description: string, item: string, examples: readonly string[]) {
  return {
    description,
    type: 'array',
    minItems: 1,
    items: { description: item, type: 'string', pattern: TWO_LETTER_CODE_PATTERN, examples },
  } as const;
}

const geoClientRuleSchema = {
  title: 'Client rule',
  description:
    'Which clients this rule covers (exactly one of subnets, countries or continents) and the regions they prefer, ' +
    'nearest first. Subnets match by longest prefix; countries and continents need a GeoIP database (--geoip-db).',
  type: 'object',
  additionalProperties: false,
  required: ['prefer'],
  properties: {
    subnets: {
      description:
        'Client networks in CIDR notation (10.1.0.0/16, "2001:db8:1::/48"; quote IPv6 subnets). Host bits must be clear; ' +
        'the same subnet may not be in two rules.',
      type: 'array',
      minItems: 1,
      items: { description: 'An IPv4 or IPv6 network, ADDRESS/PREFIX.', type: 'string', examples: ['10.1.0.0/16', '2001:db8:1::/48'] },
    },
    countries: codeListSchema(
      'Countries of the client address by the GeoIP database: ISO 3166-1 alpha-2 codes (GB, not UK).',
      'An ISO 3166-1 alpha-2 country code.',
      ['DE', 'FR', 'US'],
    ),
    continents: codeListSchema('Continents of the client address by the GeoIP database.', 'A continent code: AF, AN, AS, EU, NA, OC or SA.', [
      'EU',
      'NA',
      'AS',
    ]),
    prefer: regionListSchema('Regions for these clients, nearest first; the remaining regions of geo.default follow. Not empty, no duplicates.'),
  },
} as const;

const geoSchema = {
  title: 'Geo client map',
  description:
    'Which regions each client prefers, for the records with policy geo. A client walks the prefer list of the rule ' +
    'that covers it, then the remaining regions of default; a client no rule covers walks default.',
  type: 'object',
  additionalProperties: false,
  required: ['default'],
  properties: {
    clients: {
      description: 'The client rules, in file order. Subnets match by longest prefix; countries and continents by the GeoIP database.',
      type: 'array',
      items: geoClientRuleSchema,
    },
    default: regionListSchema("Every region in order of preference for clients no rule covers, and the walk after a rule's prefer list."),
    stickyPrefix: {
      description: 'The client subnet that sticky records keep on one target (weighted records too). Default /24 for IPv4, /56 for IPv6.',
      type: 'object',
      additionalProperties: false,
      properties: {
        ipv4: { description: 'IPv4 prefix length (1..32). Default 24.', type: 'integer', minimum: 1, maximum: 32, default: 24 },
        ipv6: { description: 'IPv6 prefix length (1..128). Default 56.', type: 'integer', minimum: 1, maximum: 128, default: 56 },
      },
    },
  },
} as const;

const dnssecSchema = {
  title: 'DNSSEC',
  description:
    'Sign the zone with the keys of the server key directory (serve --dnssec-keys DIR; see docs/dnssec.md). ' +
    '`dnssec: {}` signs with the defaults. A zone that asks for signing and has no usable key is an error for that ' +
    'zone: it is never served unsigned by surprise.',
  type: 'object',
  additionalProperties: false,
  properties: {
    denial: {
      description:
        'Authenticated denial of existence, built when the zone loads: nsec (RFC 4034), or nsec3 (RFC 5155 with the ' +
        'RFC 9276 settings: SHA-1, no extra iterations, no salt, no opt-out), which does not list the names. Default nsec.',
      type: 'string',
      enum: ['nsec', 'nsec3'],
      default: 'nsec',
    },
    validity: durationSchema('How long a signature is valid from the moment it is made (at least 1h). Default 14 days (336h).', '336h'),
    refresh: durationSchema('How long before it expires a signature is made again; shorter than validity. Default 7 days (168h).', '168h'),
  },
} as const;

export const zonePolicySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:meridian:zone-policy:v1',
  title: 'Meridian zone policy',
  description: 'One zone served by Meridian: its apex (SOA, NS) and the records inside it. See docs/zone-policy.md.',
  type: 'object',
  additionalProperties: false,
  required: ['zone', 'soa', 'nameservers'],
  properties: {
    zone: {
      description: 'The delegated zone this file serves, e.g. gslb.example.com. Record names are relative to it.',
      type: 'string',
      minLength: 1,
      examples: ['gslb.example.com'],
    },
    ttl: { ...ttlSchema('Default TTL of records, and the TTL of the SOA, NS and glue records. Default 30.'), default: 30 },
    soa: {
      title: 'Start of authority',
      description: 'The SOA record of the zone. Its primary name server (mname) is the first entry of nameservers.',
      type: 'object',
      additionalProperties: false,
      required: ['rname'],
      properties: {
        rname: {
          description:
            'Mailbox of the person responsible for the zone, written as a domain name: hostmaster.example.com ' + 'stands for hostmaster@example.com.',
          type: 'string',
          minLength: 1,
          examples: ['hostmaster.example.com'],
        },
        serial: {
          description:
            'Zone serial (1..4294967295). Leave it out to derive it from the zone content, so every replica ' +
            'serving the same files reports the same serial and every change gets a new one.',
          type: 'integer',
          minimum: 1,
          maximum: MAX_SERIAL,
        },
        refresh: secondsSchema('SOA refresh in seconds. Default 3600.', 3600),
        retry: secondsSchema('SOA retry in seconds. Default 600.', 600),
        expire: secondsSchema('SOA expire in seconds. Default 86400.', 86400),
        minimum: secondsSchema('Negative-caching TTL in seconds (RFC 2308). Default 30.', 30),
      },
    },
    nameservers: {
      title: 'Name servers',
      description:
        'The NS set of the apex: fully qualified name → glue addresses. A name server inside the zone needs at ' +
        'least one address; one outside the zone takes an empty list ([]): addresses given to it are ignored, with a warning.',
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        description: 'Glue addresses (IPv4 and/or IPv6) of this name server; [] for a name server outside the zone (addresses are ignored there).',
        type: 'array',
        items: { description: 'An IPv4 or IPv6 address.', type: 'string' },
      },
    },
    records: {
      title: 'Records',
      description:
        'The names of the zone. Keys are relative to the zone ("app", "api.eu"); "@" is the apex; a key ending ' +
        'in "." is absolute and must lie inside the zone.',
      type: 'object',
      additionalProperties: recordSchema,
    },
    maintenance: {
      title: 'Maintenance windows',
      description:
        'Windows in which a target is drained on a schedule: never served, even when whenAllDown is all, unless ' +
        'every target of a record is drained. Times are UTC.',
      type: 'array',
      items: maintenanceWindowSchema,
    },
    geo: geoSchema,
    dnssec: dnssecSchema,
  },
} as const;

/** The schema as written to docs/zone-policy.schema.json: pretty JSON with a trailing newline. */
export function zonePolicySchemaJson(): string {
  return `${JSON.stringify(zonePolicySchema, null, 2)}\n`;
}
