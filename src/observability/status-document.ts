// The shapes of the admin server's JSON documents, /status (also the data of every /events frame) and /explain:
// one declaration that the server's builders return, and that the operator commands and the status page read.
// status-schema.ts holds the JSON Schema of each, which the compiler keeps in step with these types.
//
// Types only, importing nothing: the status page (compiled for the browser, with the DOM library and without
// Node's) imports this file too, and type imports vanish from its JavaScript.
//
// Times are ISO 8601 strings; `...Seconds` and `...Ms` are numbers. An optional field is left out, not null,
// unless its type says null.

/** An address's health as /status reports it: `pending` is a new address not served until a probe says up. */
export type AddressHealth = 'up' | 'down' | 'unknown' | 'pending';
/** A probed address's health, as transitions record it. */
export type ProbedHealth = 'up' | 'down' | 'unknown';
/** The rule that picked an answer (see src/answers/select.ts). */
export type AnswerRule = 'healthy' | 'fail-open' | 'all-down' | 'others-healthy' | 'no-addresses';

/** One possible answer of one family: its addresses in answer order, and its share of the queries. */
export interface AnswerSet {
  readonly addresses: readonly string[];
  readonly probability: number;
}

/** What a balanced record answers now. */
export interface RecordAnswer {
  readonly rule: AnswerRule;
  readonly drainsIgnored: boolean;
  /** Too many orders to list: the sets are a random sample and the shares estimates. */
  readonly sampled: boolean;
  readonly A: readonly AnswerSet[];
  readonly AAAA: readonly AnswerSet[];
}

export interface ProbeResultView {
  readonly ok: boolean;
  readonly reason: string;
  readonly failure?: string;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  readonly durationMs: number;
  readonly at: string;
}

/**
 * One address of a target. Every address has the first four fields; one not probed yet may have `since`; a
 * probed one has the rest too.
 */
export interface AddressStatus {
  readonly address: string;
  readonly health: AddressHealth;
  readonly drained: boolean;
  readonly reason: string;
  readonly since?: string;
  readonly sinceSeconds?: number;
  /** The last probes' durations, oldest first. */
  readonly latencyMs?: readonly number[];
  readonly consecutiveSuccesses?: number;
  readonly consecutiveFailures?: number;
  readonly lastResult?: ProbeResultView;
  readonly lastFailure?: ProbeResultView;
  /** In a peer group: this vantage point's own verdict (health is the quorum's decision)... */
  readonly here?: 'up' | 'down' | 'unknown';
  /** ...every vantage point's verdict, this instance ('self') first... */
  readonly votes?: readonly VoteView[];
  /** ...and why the quorum decided as it did. */
  readonly quorum?: string;
}

/** One vantage point's verdict on an address. Only fresh ones vote. */
export interface VoteView {
  readonly instance: string;
  readonly verdict: 'up' | 'down' | 'none';
  readonly fresh: boolean;
}

/** One peer of the group, as this instance hears it. */
export interface PeerView {
  readonly instance: string;
  readonly url: string;
  /** Its stream is open. */
  readonly connected: boolean;
  /** Heard from within stale-after: it votes. */
  readonly fresh: boolean;
  readonly lastMessageAt: string | null;
  readonly lastMessageAgeSeconds: number | null;
  /** Its clock minus this one's, from its last hello or heartbeat (includes the link's latency). */
  readonly clockSkewMs: number | null;
  readonly verdicts: number;
  /** Verdicts about probes this instance does not have: it serves other zone files (mid-rollout?). */
  readonly unknownVerdicts: number;
}

export interface PeerGroupView {
  readonly instance: string;
  /** The rule, in words: "a strict majority" or "at least N% healthy". */
  readonly quorum: string;
  readonly staleAfterSeconds: number;
  readonly peers: readonly PeerView[];
}

export interface TargetStatus {
  readonly index: number;
  /** Its addresses, or its cluster and followed object. */
  readonly target: string;
  readonly cluster?: string;
  /** The region a geo record answers it for, when the file gives one. */
  readonly region?: string;
  readonly weight: number;
  readonly drained: boolean;
  readonly addresses: readonly AddressStatus[];
}

export interface CheckView {
  readonly protocol: string;
  readonly port: number;
  readonly host: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
}

/**
 * A region's state for one family, as a geo record's walk judges it: `up` (a target has a healthy address in
 * rotation: the walk stops here), `down`, `drained` (healthy, but every such target is drained or in a
 * maintenance window: skipped like a down one), or `none` (no address of the family).
 */
export type RegionHealth = 'up' | 'down' | 'drained' | 'none';

/** One region of a geo record: the indexes of its targets and its state per family. */
export interface RegionStatus {
  readonly region: string;
  readonly targets: readonly number[];
  readonly A: RegionHealth;
  readonly AAAA: RegionHealth;
}

/** What one preference walk answers now, for one family. */
export interface WalkAnswer {
  /** The region whose addresses answer (fail open included); absent for NODATA. */
  readonly region?: string;
  /** Regions before it in the walk, passed over for having no healthy target in rotation. */
  readonly skipped: readonly string[];
  readonly rule: AnswerRule;
  readonly answer: readonly AnswerSet[];
}

/** One distinct walk of the zone's client map: the clients that take it, the regions in order, the answers. */
export interface WalkStatus {
  /** Each rule as `geo.clients[0] (subnets 10.1.0.0/16)`, and `default` for clients no rule covers. */
  readonly clients: readonly string[];
  readonly walk: readonly string[];
  readonly A: WalkAnswer;
  readonly AAAA: WalkAnswer;
}

/** A geo record's regions and its answer per walk (its `answer` is the default walk's). */
export interface GeoRecordStatus {
  readonly regions: readonly RegionStatus[];
  readonly walks: readonly WalkStatus[];
}

/** A sticky record: one client subnet of these sizes keeps one target while it is healthy. */
export interface StickyView {
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
}

/** A record that health and policy decide. */
export interface BalancedRecordStatus {
  readonly name: string;
  readonly kind: 'balanced';
  readonly policy: 'weighted' | 'failover' | 'geo';
  readonly whenAllDown: 'all' | 'none';
  /** Left out when the server does not know its answers (only in tests). For a geo record, the default walk's. */
  readonly answer?: RecordAnswer;
  /** Geo records (with the answers known): regions and the answer of every walk. */
  readonly geo?: GeoRecordStatus;
  /** Sticky records only. */
  readonly sticky?: StickyView;
  /** null: no health check, every address counts as up. */
  readonly check: CheckView | null;
  readonly targets: readonly TargetStatus[];
}

/** Static data, always served. */
export interface StaticRecordStatus {
  readonly name: string;
  readonly kind: 'static' | 'cname';
}

export type RecordStatus = BalancedRecordStatus | StaticRecordStatus;

/** One DNSSEC key of a signed zone, as published: never anything of its private half. */
export interface DnssecKeyView {
  readonly keyTag: number;
  /** ECDSAP256SHA256 or ED25519. */
  readonly algorithm: string;
  /** 257 (KSK, the one a DS points at) or 256. */
  readonly flags: number;
  /** It signs now (an active key); otherwise only its DNSKEY is published. */
  readonly signing: boolean;
}

/** A signed zone's keys and signatures. */
export interface DnssecView {
  readonly keys: readonly DnssecKeyView[];
  /** When the earliest signature its answers carry expires; null before any is made. */
  readonly earliestExpiry: string | null;
  readonly earliestExpirySeconds: number | null;
}

export interface ZoneStatus {
  readonly zone: string;
  readonly file: string;
  readonly serial: number;
  /** Present when the zone is signed. */
  readonly dnssec?: DnssecView;
  readonly records: readonly RecordStatus[];
}

export interface ResourceStatus {
  readonly resource: string;
  readonly state: string;
  readonly synced: boolean;
  readonly objects: number;
  readonly errors: number;
  readonly lastError?: string;
}

export interface ClusterView {
  readonly name: string;
  readonly synced: boolean;
  /** Not synced by the deadline: it no longer holds up readiness. */
  readonly late: boolean;
  readonly lastEventAt: string | null;
  readonly lastEventAgeSeconds: number | null;
  readonly errors: number;
  readonly resources: readonly ResourceStatus[];
}

export interface ReloadView {
  readonly ok: boolean;
  readonly at: string;
  /** `file:line:column: message` for each problem; when ok, the warnings. */
  readonly issues: readonly string[];
  /** Zone → SOA serial of the configuration now serving. */
  readonly serials: Readonly<Record<string, number>>;
}

export interface FailedFileView {
  readonly file: string;
  readonly zone?: string;
  readonly serving: 'last-good' | 'servfail' | 'none';
  readonly serial?: number;
  readonly issues: readonly string[];
}

export interface DrainView {
  /** A cluster name or an IP address. */
  readonly target: string;
  readonly since: string;
  /** `manual`, or `maintenance <zone file>` for a window. */
  readonly by: string;
  readonly reason?: string;
  readonly until?: string;
  readonly zone?: string;
}

export interface MaintenanceView {
  readonly zone: string;
  readonly file: string;
  readonly target: string;
  readonly cron: string;
  readonly duration: string;
  readonly active: boolean;
  readonly next: string | null;
  readonly activeUntil?: string;
  readonly reason?: string;
}

export interface TransitionView {
  readonly at: string;
  readonly zone: string;
  readonly record: string;
  readonly target: number;
  readonly address: string;
  readonly from: ProbedHealth;
  readonly to: ProbedHealth;
  readonly reason: string;
}

/** GET /status, and the data of each `status` event of /events. */
export interface StatusDocument {
  readonly ready: boolean;
  readonly generatedAt: string;
  readonly clusters: readonly ClusterView[];
  readonly lastReload: ReloadView;
  readonly failedZoneFiles: readonly FailedFileView[];
  readonly drains: readonly DrainView[];
  readonly maintenance: readonly MaintenanceView[];
  /** The last hour's health changes, oldest first. */
  readonly transitions: readonly TransitionView[];
  /** Present when peers are configured. */
  readonly peerGroup?: PeerGroupView;
  readonly zones: readonly ZoneStatus[];
}

/** One target of a balanced record, as /explain shows it for one family. */
export interface ExplainedTarget {
  readonly index: number;
  readonly target: string;
  readonly weight: number;
  /** Its rank in failover: index + 1. */
  readonly priority: number;
  /** Its region, for a geo record. */
  readonly region?: string;
  /** Part of some possible answer. */
  readonly chosen: boolean;
  readonly drained: boolean;
  readonly addresses: readonly ExplainedAddress[];
}

/** One address of an explained target: its state, and in a peer group what each vantage point sees (as in /status). */
export type ExplainedAddress = Pick<AddressStatus, 'address' | 'health' | 'drained' | 'reason' | 'here' | 'votes' | 'quorum'>;

/** A region a client's walk passed over, and why. */
export interface SkippedRegion {
  readonly region: string;
  readonly why: string;
}

/** The target(s) a sticky record gives a client's subnet. */
export interface StickyPick {
  /** The client's subnet, hashed: `192.0.2.0/24`. */
  readonly subnet: string;
  readonly prefix: number;
  /** Its bucket among STICKY_BUCKETS (src/answers/sticky.ts). */
  readonly bucket: number;
  /** Indexes of the targets the bucket picks now, best first. */
  readonly targets: readonly number[];
  readonly addresses: readonly string[];
}

/** How a geo record's client map placed a client. */
export interface ClientMatch {
  /** A subnet rule (longest prefix), a country or continent rule (GeoIP database), or no rule (the default list). */
  readonly by: 'subnet' | 'country' | 'continent' | 'default';
  /** The rule's index in geo.clients; null for the default list. */
  readonly rule: number | null;
  /** The rule in words, with its line in the zone file. */
  readonly text: string;
  /** The subnet of the rule that holds the client. */
  readonly subnet?: string;
  /** What the GeoIP database says of the client, when the server has one. */
  readonly country?: string;
  readonly continent?: string;
}

/** GET /explain?client=: one client's view of a balanced record. */
export interface ClientExplanation {
  /** As asked: an address, or a network as dig's +subnet gives it. */
  readonly address: string;
  /** The SCOPE PREFIX-LENGTH an ECS answer for this client carries: 0 when the answer is every client's. */
  readonly scope: number;
  /** The network the answer holds for: the client's address cut to the scope. */
  readonly network: string;
  /** Geo records: the rule, the walk, the region that answers and the regions skipped before it. */
  readonly match?: ClientMatch;
  readonly walk?: readonly string[];
  readonly region?: string;
  readonly skipped?: readonly SkippedRegion[];
  /** Sticky records. */
  readonly sticky?: StickyPick;
}

/** GET /explain?name=&type= for a balanced record: the answer, the rule that picked it, and why. */
export interface BalancedExplanation {
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly zone: string;
  readonly kind: 'balanced';
  readonly policy: 'weighted' | 'failover' | 'geo';
  readonly whenAllDown: 'all' | 'none';
  readonly rule: AnswerRule;
  readonly ruleText: string;
  readonly drainsIgnored: boolean;
  readonly sampled: boolean;
  readonly answer: readonly AnswerSet[];
  readonly targets: readonly ExplainedTarget[];
  /** Geo records: every region's state. */
  readonly regions?: readonly RegionStatus[];
  /** For one client (?client=); without it a geo record is explained for the default walk's clients. */
  readonly client?: ClientExplanation;
  readonly summary: string;
}

/** GET /explain for static data: a static record's addresses or a CNAME's target, always served. */
export interface StaticExplanation {
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly zone: string;
  readonly kind: 'static' | 'cname' | 'balanced';
  /** Left out for a balanced record when the server does not know its answers (only in tests). */
  readonly answer?: readonly string[];
  readonly summary: string;
}

export type ExplainDocument = BalancedExplanation | StaticExplanation;
