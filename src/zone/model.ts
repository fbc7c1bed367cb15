// The validated, normalised form of a zone policy file. Everything downstream (discovery, health, answers)
// reads these types; nothing downstream ever sees raw YAML.
//
// Names are lowercase, fully qualified and written without the trailing dot ("app.gslb.example.com").
// Durations are milliseconds.

export type Policy = 'weighted' | 'failover' | 'geo';
export type WhenAllDown = 'all' | 'none';
export type ProbeProtocol = 'http' | 'https' | 'tcp' | 'none';

export interface TlsConfig {
  readonly insecureSkipVerify: boolean;
  /** PEM text of the CA bundle, read from the `ca` path at load time. */
  readonly caPem?: string;
  /** The `ca` path as written, resolved against the zone file's directory. */
  readonly caFile?: string;
}

export interface CheckConfig {
  readonly protocol: ProbeProtocol;
  readonly port: number;
  readonly path: string;
  /** Host header and TLS SNI. Defaults to the record's own name. */
  readonly host: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly fastIntervalMs: number;
  readonly rise: number;
  readonly fall: number;
  /** Inclusive status ranges that count as success; default [[200, 399]]. */
  readonly expect: ReadonlyArray<readonly [number, number]>;
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsConfig;
}

export interface StaticTarget {
  readonly kind: 'static';
  readonly addresses: readonly string[];
  readonly weight: number;
  /** The region a geo record answers it for (see GeoConfig); present only when the file gives one. */
  readonly region?: string;
}

/**
 * Which Kubernetes objects of a cluster a cluster target follows: by default the Ingresses whose rules route
 * the check host (the record's own name unless `check.host` says otherwise), or one named object.
 */
export type ClusterSelector = { readonly by: 'host' } | { readonly by: 'ingress' | 'service' | 'gateway'; readonly namespace: string; readonly name: string };

export interface ClusterTarget {
  readonly kind: 'cluster';
  readonly cluster: string;
  readonly select: ClusterSelector;
  readonly weight: number;
  /** The region a geo record answers it for (see GeoConfig); present only when the file gives one. */
  readonly region?: string;
}

export type TargetConfig = StaticTarget | ClusterTarget;

/**
 * What names a target wherever an index would not do (the `target` metric label): its cluster, with the followed
 * object if any, or its sorted address set. Reordering a record's targets keeps it; the zone loader rejects two
 * targets of one record with the same identity. A cluster name has no '.' or ':', so it never reads as an address.
 */
export function targetIdentity(target: TargetConfig): string {
  if (target.kind === 'static') return [...target.addresses].sort().join(',');
  const select = target.select;
  return select.by === 'host' ? target.cluster : `${target.cluster} ${select.by} ${select.namespace}/${select.name}`;
}

export interface BalancedRecord {
  readonly kind: 'balanced';
  readonly name: string;
  readonly policy: Policy;
  readonly ttl: number;
  /** How many distinct targets a weighted answer (or a geo answer, within its region) may hold (default 1). Always 1 for failover. */
  readonly answers: number;
  /**
   * Weighted and geo records only: the same client subnet (GeoConfig.stickyPrefix, or DEFAULTS.stickyPrefix in a
   * zone without geo) keeps the same target while it is healthy. Present (true) only when the file says `sticky: true`.
   */
  readonly sticky?: boolean;
  readonly check?: CheckConfig;
  readonly whenAllDown: WhenAllDown;
  readonly targets: readonly TargetConfig[];
}

/** One MX record (RFC 1035 §3.3.9). */
export interface MxData {
  readonly preference: number;
  /** A host name; '' is the root name ".", the null MX of RFC 7505 (no mail accepted). */
  readonly exchange: string;
}

/** One SRV record (RFC 2782). */
export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** A host name; '' is the root name ".": the service is not available at this name. */
  readonly target: string;
}

/** One CAA record (RFC 8659 §4.1). */
export interface CaaData {
  /** 0..255; 128 is the issuer critical flag. */
  readonly flags: number;
  /** 1 to 15 ASCII letters and digits, as written (tags match case-insensitively). */
  readonly tag: string;
  readonly value: string;
}

export interface StaticRecord {
  readonly kind: 'static';
  readonly name: string;
  readonly ttl: number;
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
  /** One entry per TXT record; each is stored as one or more 255-octet character-strings. */
  readonly txt: readonly string[];
  // The later types are present only when the file writes them, so a zone without them keeps the serial it had
  // before they existed (the serial hashes the normalised records).
  readonly mx?: readonly MxData[];
  readonly srv?: readonly SrvData[];
  readonly caa?: readonly CaaData[];
}

export interface CnameRecord {
  readonly kind: 'cname';
  readonly name: string;
  readonly ttl: number;
  /** Fully qualified target name. */
  readonly target: string;
}

export type RecordConfig = BalancedRecord | StaticRecord | CnameRecord;

export interface SoaConfig {
  /** Primary name server: the first entry of `nameservers`. */
  readonly mname: string;
  /** Mailbox in domain-name form (hostmaster.example.com). */
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  /** Negative-caching TTL (RFC 2308). */
  readonly minimum: number;
}

export interface NameserverConfig {
  readonly name: string;
  /** Glue addresses; empty for a name server outside the zone (addresses written for one are ignored). */
  readonly addresses: readonly string[];
}

/**
 * Addresses a file gives a name server outside its zone: not data of the zone, so not served, but kept (with
 * where they are written) to compare with the zone that holds the name, when this server serves it too.
 */
export interface OutOfZoneGlue {
  readonly name: string;
  /** Canonical forms, in file order. */
  readonly addresses: readonly string[];
  readonly line: number;
  readonly column: number;
}

/**
 * A maintenance window: from each occurrence of `cron` (UTC) for `durationMs`, `target` is drained as a manual drain
 * would drain it (src/base/cron.ts computes the occurrences).
 */
export interface MaintenanceWindow {
  /** A cluster named by a cluster target of the zone, or an address of a static target (canonical form). */
  readonly target: string;
  /** The cron expression as written; it parses with parseCron and node-cron accepts it. */
  readonly cron: string;
  /** More than 0, at most 7 days. */
  readonly durationMs: number;
  readonly reason?: string;
  /** Line of the window in the zone file (1-based), for messages; not part of the serial. */
  readonly line?: number;
}

/** The continent codes of GeoIP databases (MaxMind's GeoIP2 and GeoLite2 `continent.code`). */
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;
export type Continent = (typeof CONTINENTS)[number];

/** One subnet of a client rule, normalised: the network's bytes with the host bits clear. */
export interface GeoSubnet {
  /**
   * 4 or 6. An IPv4-mapped IPv6 subnet (::ffff:10.0.0.0/104) is stored as the IPv4 subnet it covers
   * (10.0.0.0/8), since IPv4 clients are matched as IPv4.
   */
  readonly family: 4 | 6;
  /** 4 bytes for family 4, 16 for family 6 (a plain array: it survives JSON and structured clone alike). */
  readonly bytes: readonly number[];
  /** 0..32 or 0..128. */
  readonly prefix: number;
  /** As written in the file, for messages and `explain`. */
  readonly text: string;
}

/**
 * One rule of the client map: the clients it covers, by exactly one of subnets, countries or continents (`match`
 * says which; the other two lists are empty), and the regions they prefer, nearest first.
 */
export interface GeoClientRule {
  readonly match: 'subnets' | 'countries' | 'continents';
  readonly subnets: readonly GeoSubnet[];
  /** ISO 3166-1 alpha-2 codes, uppercased (as GeoIP databases give `country.iso_code`). */
  readonly countries: readonly string[];
  readonly continents: readonly Continent[];
  /** Region names, nearest first; not empty, no duplicates, each the region of some target of the zone. */
  readonly prefer: readonly string[];
  /** Line of the rule in the zone file (1-based), for messages and `explain`; not part of the serial. */
  readonly line?: number;
}

/** Prefix lengths that group clients for sticky records: one subnet of this size keeps one target. */
export interface StickyPrefix {
  /** 1..32; default 24. */
  readonly ipv4: number;
  /** 1..128; default 56. */
  readonly ipv6: number;
}

/**
 * The zone's client map (`geo:`), read by its geo records: a client's preference walk is the `prefer` list of the
 * rule that covers it, then the remaining regions of `default` in order; a client no rule covers walks `default`.
 */
export interface GeoConfig {
  /** In file order; empty when the file gives no rules. */
  readonly clients: readonly GeoClientRule[];
  /** Region names; not empty, no duplicates, each the region of some target of the zone. */
  readonly default: readonly string[];
  /** For the zone's sticky records (weighted ones too); the defaults when the file sets none. */
  readonly stickyPrefix: StickyPrefix;
}

/** The zone's `dnssec:` map: the zone is signed with the keys of the server's key directory (--dnssec-keys). */
export interface DnssecPolicy {
  /**
   * Authenticated denial of existence, built when the zone loads: NSEC records (RFC 4034), or NSEC3 (RFC 5155)
   * with RFC 9276's settings (SHA-1, no extra iterations, no salt, no opt-out), which does not list the names.
   */
  readonly denial: 'nsec' | 'nsec3';
  /** How long a signature is valid from the moment it is made (default 14 days). */
  readonly validityMs: number;
  /** How long before it expires a signature is made again (default 7 days). */
  readonly refreshMs: number;
}

export interface ZoneConfig {
  /** Path of the file the zone was read from. */
  readonly file: string;
  readonly zone: string;
  /** Default TTL for records, and the TTL of the SOA, NS and glue records. */
  readonly ttl: number;
  readonly soa: SoaConfig;
  readonly nameservers: readonly NameserverConfig[];
  /** In file order. Names are unique within a zone. */
  readonly records: readonly RecordConfig[];
  /** In file order; empty when the file declares none. No two windows are identical. */
  readonly maintenance: readonly MaintenanceWindow[];
  /** The client map; present only when the file has `geo:` (a zone with geo records always does). */
  readonly geo?: GeoConfig;
  /** Present when the zone is signed (the file has `dnssec:`). */
  readonly dnssec?: DnssecPolicy;
  /**
   * A hash of the whole normalised zone, serial included, set by the loader. Equal fingerprints mean equal
   * zones, so a reload can keep the answers it already has; zones built by hand may leave it out.
   */
  readonly fingerprint?: string;
  /**
   * One `name print` line per record, where print is a hash of the normalised record: set by the loader
   * thread, so that the next reload sends only the records that changed (see load-thread.ts).
   */
  readonly recordPrints?: string;
}

/**
 * One problem found in a zone file, positioned for `file:line:column: message` output. An error keeps the file
 * from loading; a warning does not (the zone loads, and the warning is shown), unless warnings are made errors
 * (`--strict`).
 */
export interface ZoneIssue {
  readonly file: string;
  /** 1-based; 0 when the problem concerns the whole file (unreadable, empty). */
  readonly line: number;
  /** 1-based; 0 when line is 0. */
  readonly column: number;
  readonly message: string;
  /** 'error' when absent. */
  readonly severity?: 'error' | 'warning';
}

export function isWarning(issue: ZoneIssue): boolean {
  return issue.severity === 'warning';
}

/** The issues that keep a file from loading: its errors, and with `strict` its warnings too. */
export function blockingIssues(issues: readonly ZoneIssue[], strict = false): ZoneIssue[] {
  return strict ? [...issues] : issues.filter((issue) => !isWarning(issue));
}

export function formatZoneIssue(issue: ZoneIssue): string {
  const message = isWarning(issue) ? `warning: ${issue.message}` : issue.message;
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}: ${message}` : `${issue.file}: ${message}`;
}

/** A zone file that did not load: it has at least one error. */
export interface FailedZoneFile {
  readonly file: string;
  /** The zone the file declares, when it got as far as naming a valid one. */
  readonly zone?: string;
  /** Its errors and warnings, in file order. */
  readonly issues: readonly ZoneIssue[];
}

/**
 * The outcome of loading a set of zone files: every zone, with the warnings there were; or, when there was
 * any error, every problem (errors and warnings, in file order) with the zones of the files that did load and
 * the files that did not. `failed` is empty when the problem is not in a file: the directory could not be read,
 * or holds no zone file; then nothing was loaded.
 */
export type ZoneLoadResult =
  | { readonly ok: true; readonly zones: readonly ZoneConfig[]; readonly issues: readonly ZoneIssue[] }
  | {
      readonly ok: false;
      readonly issues: readonly ZoneIssue[];
      readonly zones: readonly ZoneConfig[];
      readonly failed: readonly FailedZoneFile[];
    };
