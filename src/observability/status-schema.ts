// The JSON Schemas of the /status and /explain documents, and the readers that check a document against them.
// Each schema is typed with ajv's JSONSchemaType of its TypeScript type (status-document.ts), so the compiler
// fails when the two disagree: a field added to the type and not the schema, a wrong type, a lost `required`.
// Written once, here, rather than derived with another library: ajv is already the zone files' validator.
//
// Objects allow properties the schema does not name, so a newer server that adds a field is still read; a
// field this version needs that is missing or of another type is an error naming it.

import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import { Errors } from '../base/errors.js';
import type {
  AddressStatus,
  DrainView,
  FailedFileView,
  MaintenanceView,
  ReloadView,
  ResourceStatus,
  TransitionView,
  AnswerSet,
  BalancedExplanation,
  BalancedRecordStatus,
  CheckView,
  ClusterView,
  ExplainDocument,
  ExplainedAddress,
  ExplainedTarget,
  ProbeResultView,
  RecordAnswer,
  StaticExplanation,
  StaticRecordStatus,
  StatusDocument,
  TargetStatus,
  ZoneStatus,
  VoteView,
  PeerGroupView,
  PeerView,
  RegionStatus,
  WalkAnswer,
  WalkStatus,
  GeoRecordStatus,
  StickyView,
  ClientExplanation,
  ClientMatch,
  SkippedRegion,
  StickyPick,
  DnssecView,
  DnssecKeyView,
} from './status-document.js';

// JSONSchemaType types readonly arrays as plain ones; the documents' arrays are readonly only to their readers.
type Mutable<T> = T extends readonly (infer E)[] ? Mutable<E>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Schema<T> = JSONSchemaType<Mutable<T>>;
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

/**
 * The keys of T that may not be left out, as `required` lists them. JSONSchemaType checks that `required` names
 * only such keys; written as an object of them all, the compiler also finds one forgotten.
 */
function requiredOf<T>(keys: Record<RequiredKeys<T>, true>): RequiredKeys<T>[] {
  return Object.keys(keys) as RequiredKeys<T>[];
}

const string = { type: 'string' } as const;
const optionalString = { type: 'string', nullable: true } as const;
const number = { type: 'number' } as const;
const optionalNumber = { type: 'number', nullable: true } as const;
const integer = { type: 'integer' } as const;
const boolean = { type: 'boolean' } as const;
const strings = { type: 'array', items: string } as const;
const health = { type: 'string', enum: ['up', 'down', 'unknown', 'pending'] } as const;
const probedHealth = { type: 'string', enum: ['up', 'down', 'unknown'] } as const;
const rule = { type: 'string', enum: ['healthy', 'fail-open', 'all-down', 'others-healthy', 'no-addresses'] } as const;
const policy = { type: 'string', enum: ['weighted', 'failover', 'geo'] } as const;
const whenAllDown = { type: 'string', enum: ['all', 'none'] } as const;
const family = { type: 'string', enum: ['A', 'AAAA'] } as const;
/** A required field that may be null (JSONSchemaType keeps `nullable` for fields that may be left out). */
const orNull = <S>(schema: S) => ({ anyOf: [schema, { type: 'null', nullable: true }] }) as const;

const answerSet: Schema<AnswerSet> = {
  type: 'object',
  properties: { addresses: strings, probability: { type: 'number', minimum: 0, maximum: 1 } },
  required: requiredOf<AnswerSet>({ addresses: true, probability: true }),
};

const recordAnswer: Schema<RecordAnswer> = {
  type: 'object',
  properties: {
    rule,
    drainsIgnored: boolean,
    sampled: boolean,
    A: { type: 'array', items: answerSet },
    AAAA: { type: 'array', items: answerSet },
  },
  required: requiredOf<RecordAnswer>({ rule: true, drainsIgnored: true, sampled: true, A: true, AAAA: true }),
};

const regionHealth = { type: 'string', enum: ['up', 'down', 'drained', 'none'] } as const;

const regionStatus: Schema<RegionStatus> = {
  type: 'object',
  properties: { region: string, targets: { type: 'array', items: integer }, A: regionHealth, AAAA: regionHealth },
  required: requiredOf<RegionStatus>({ region: true, targets: true, A: true, AAAA: true }),
};

const walkAnswer: Schema<WalkAnswer> = {
  type: 'object',
  properties: { region: optionalString, skipped: strings, rule, answer: { type: 'array', items: answerSet } },
  required: requiredOf<WalkAnswer>({ skipped: true, rule: true, answer: true }),
};

const walkStatus: Schema<WalkStatus> = {
  type: 'object',
  properties: { clients: strings, walk: strings, A: walkAnswer, AAAA: walkAnswer },
  required: requiredOf<WalkStatus>({ clients: true, walk: true, A: true, AAAA: true }),
};

const geoRecord: Schema<GeoRecordStatus> = {
  type: 'object',
  properties: { regions: { type: 'array', items: regionStatus }, walks: { type: 'array', items: walkStatus } },
  required: requiredOf<GeoRecordStatus>({ regions: true, walks: true }),
};

const stickyView: Schema<StickyView> = {
  type: 'object',
  properties: { ipv4Prefix: integer, ipv6Prefix: integer },
  required: requiredOf<StickyView>({ ipv4Prefix: true, ipv6Prefix: true }),
};

const probeResult: Schema<ProbeResultView> = {
  type: 'object',
  properties: { ok: boolean, reason: string, failure: optionalString, status: { type: 'integer', nullable: true }, durationMs: number, at: string },
  required: requiredOf<ProbeResultView>({ ok: true, reason: true, durationMs: true, at: true }),
};

/** An address's verdicts in a peer group, the same in /status and /explain. */
const peerVerdicts = {
  here: { ...probedHealth, nullable: true },
  votes: {
    type: 'array',
    nullable: true,
    items: {
      type: 'object',
      properties: { instance: string, verdict: { type: 'string', enum: ['up', 'down', 'none'] }, fresh: boolean },
      required: requiredOf<VoteView>({ instance: true, verdict: true, fresh: true }),
    },
  },
  quorum: optionalString,
} as const;

const address: Schema<AddressStatus> = {
  type: 'object',
  properties: {
    address: string,
    health,
    drained: boolean,
    reason: string,
    since: optionalString,
    sinceSeconds: optionalNumber,
    latencyMs: { type: 'array', items: number, nullable: true },
    consecutiveSuccesses: { type: 'integer', nullable: true },
    consecutiveFailures: { type: 'integer', nullable: true },
    lastResult: { ...probeResult, nullable: true },
    lastFailure: { ...probeResult, nullable: true },
    ...peerVerdicts,
  },
  required: requiredOf<AddressStatus>({ address: true, health: true, drained: true, reason: true }),
};

const target: Schema<TargetStatus> = {
  type: 'object',
  properties: {
    index: integer,
    target: string,
    cluster: optionalString,
    region: optionalString,
    weight: number,
    drained: boolean,
    addresses: { type: 'array', items: address },
  },
  required: requiredOf<TargetStatus>({ index: true, target: true, weight: true, drained: true, addresses: true }),
};

const check: Schema<CheckView> = {
  type: 'object',
  properties: { protocol: string, port: integer, host: string, path: string, intervalMs: number, timeoutMs: number, rise: integer, fall: integer },
  required: requiredOf<CheckView>({ protocol: true, port: true, host: true, path: true, intervalMs: true, timeoutMs: true, rise: true, fall: true }),
};

const balancedRecord: Schema<BalancedRecordStatus> = {
  type: 'object',
  properties: {
    name: string,
    kind: { type: 'string', const: 'balanced' },
    policy,
    whenAllDown,
    answer: { ...recordAnswer, nullable: true },
    geo: { ...geoRecord, nullable: true },
    sticky: { ...stickyView, nullable: true },
    check: orNull(check),
    targets: { type: 'array', items: target },
  },
  required: requiredOf<BalancedRecordStatus>({ name: true, kind: true, policy: true, whenAllDown: true, check: true, targets: true }),
};

const staticRecord: Schema<StaticRecordStatus> = {
  type: 'object',
  properties: { name: string, kind: { type: 'string', enum: ['static', 'cname'] } },
  required: requiredOf<StaticRecordStatus>({ name: true, kind: true }),
};

const dnssecView: Schema<DnssecView> = {
  type: 'object',
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: { keyTag: integer, algorithm: string, flags: integer, signing: boolean },
        required: requiredOf<DnssecKeyView>({ keyTag: true, algorithm: true, flags: true, signing: true }),
      },
    },
    earliestExpiry: orNull(string),
    earliestExpirySeconds: orNull(integer),
  },
  required: requiredOf<DnssecView>({ keys: true, earliestExpiry: true, earliestExpirySeconds: true }),
};

const zone: Schema<ZoneStatus> = {
  type: 'object',
  properties: {
    zone: string,
    file: string,
    serial: integer,
    dnssec: { ...dnssecView, nullable: true },
    // The record's kind says which: every balanced record is checked as one, not merely as named static data.
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: { kind: string },
        required: ['kind'],
        if: { properties: { kind: { const: 'balanced' } } },
        then: balancedRecord,
        else: staticRecord,
      },
    },
  },
  required: requiredOf<ZoneStatus>({ zone: true, file: true, serial: true, records: true }),
} as unknown as Schema<ZoneStatus>;

const cluster: Schema<ClusterView> = {
  type: 'object',
  properties: {
    name: string,
    synced: boolean,
    late: boolean,
    lastEventAt: orNull(string),
    lastEventAgeSeconds: orNull(number),
    errors: integer,
    resources: {
      type: 'array',
      items: {
        type: 'object',
        properties: { resource: string, state: string, synced: boolean, objects: integer, errors: integer, lastError: optionalString },
        required: requiredOf<ResourceStatus>({ resource: true, state: true, synced: true, objects: true, errors: true }),
      },
    },
  },
  required: requiredOf<ClusterView>({ name: true, synced: true, late: true, lastEventAt: true, lastEventAgeSeconds: true, errors: true, resources: true }),
};

const peerGroup: Schema<PeerGroupView> = {
  type: 'object',
  properties: {
    instance: string,
    quorum: string,
    staleAfterSeconds: number,
    peers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          instance: string,
          url: string,
          connected: boolean,
          fresh: boolean,
          lastMessageAt: orNull(string),
          lastMessageAgeSeconds: orNull(number),
          clockSkewMs: orNull(number),
          verdicts: integer,
          unknownVerdicts: integer,
        },
        required: requiredOf<PeerView>({
          instance: true,
          url: true,
          connected: true,
          fresh: true,
          lastMessageAt: true,
          lastMessageAgeSeconds: true,
          clockSkewMs: true,
          verdicts: true,
          unknownVerdicts: true,
        }),
      },
    },
  },
  required: requiredOf<PeerGroupView>({ instance: true, quorum: true, staleAfterSeconds: true, peers: true }),
};

export const statusDocumentSchema: Schema<StatusDocument> = {
  $id: 'urn:meridian:status:v1',
  title: 'Meridian /status document',
  type: 'object',
  properties: {
    ready: boolean,
    generatedAt: string,
    clusters: { type: 'array', items: cluster },
    lastReload: {
      type: 'object',
      properties: { ok: boolean, at: string, issues: strings, serials: { type: 'object', required: [], additionalProperties: integer } },
      required: requiredOf<ReloadView>({ ok: true, at: true, issues: true, serials: true }),
    },
    failedZoneFiles: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          file: string,
          zone: optionalString,
          serving: { type: 'string', enum: ['last-good', 'servfail', 'none'] },
          serial: { type: 'integer', nullable: true },
          issues: strings,
        },
        required: requiredOf<FailedFileView>({ file: true, serving: true, issues: true }),
      },
    },
    drains: {
      type: 'array',
      items: {
        type: 'object',
        properties: { target: string, since: string, by: string, reason: optionalString, until: optionalString, zone: optionalString },
        required: requiredOf<DrainView>({ target: true, since: true, by: true }),
      },
    },
    maintenance: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          zone: string,
          file: string,
          target: string,
          cron: string,
          duration: string,
          active: boolean,
          next: orNull(string),
          activeUntil: optionalString,
          reason: optionalString,
        },
        required: requiredOf<MaintenanceView>({ zone: true, file: true, target: true, cron: true, duration: true, active: true, next: true }),
      },
    },
    transitions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { at: string, zone: string, record: string, target: integer, address: string, from: probedHealth, to: probedHealth, reason: string },
        required: requiredOf<TransitionView>({ at: true, zone: true, record: true, target: true, address: true, from: true, to: true, reason: true }),
      },
    },
    peerGroup: { ...peerGroup, nullable: true },
    zones: { type: 'array', items: zone },
  },
  required: requiredOf<StatusDocument>({
    ready: true,
    generatedAt: true,
    clusters: true,
    lastReload: true,
    failedZoneFiles: true,
    drains: true,
    maintenance: true,
    transitions: true,
    zones: true,
  }),
};

const explainedTarget: Schema<ExplainedTarget> = {
  type: 'object',
  properties: {
    index: integer,
    target: string,
    weight: number,
    priority: integer,
    region: optionalString,
    chosen: boolean,
    drained: boolean,
    addresses: {
      type: 'array',
      items: {
        type: 'object',
        properties: { address: string, health, drained: boolean, reason: string, ...peerVerdicts },
        required: requiredOf<ExplainedAddress>({ address: true, health: true, drained: true, reason: true }),
      },
    },
  },
  required: requiredOf<ExplainedTarget>({ index: true, target: true, weight: true, priority: true, chosen: true, drained: true, addresses: true }),
};

const clientMatch: Schema<ClientMatch> = {
  type: 'object',
  properties: {
    by: { type: 'string', enum: ['subnet', 'country', 'continent', 'default'] },
    rule: orNull(integer),
    text: string,
    subnet: optionalString,
    country: optionalString,
    continent: optionalString,
  },
  required: requiredOf<ClientMatch>({ by: true, rule: true, text: true }),
};

const stickyPick: Schema<StickyPick> = {
  type: 'object',
  properties: { subnet: string, prefix: integer, bucket: integer, targets: { type: 'array', items: integer }, addresses: strings },
  required: requiredOf<StickyPick>({ subnet: true, prefix: true, bucket: true, targets: true, addresses: true }),
};

const clientExplanation: Schema<ClientExplanation> = {
  type: 'object',
  properties: {
    address: string,
    scope: integer,
    network: string,
    match: { ...clientMatch, nullable: true },
    walk: { ...strings, nullable: true },
    region: optionalString,
    skipped: {
      type: 'array',
      nullable: true,
      items: { type: 'object', properties: { region: string, why: string }, required: requiredOf<SkippedRegion>({ region: true, why: true }) },
    },
    sticky: { ...stickyPick, nullable: true },
  },
  required: requiredOf<ClientExplanation>({ address: true, scope: true, network: true }),
};

const balancedExplanation: Schema<BalancedExplanation> = {
  type: 'object',
  properties: {
    name: string,
    type: family,
    zone: string,
    kind: { type: 'string', const: 'balanced' },
    policy,
    whenAllDown,
    rule,
    ruleText: string,
    drainsIgnored: boolean,
    sampled: boolean,
    answer: { type: 'array', items: answerSet },
    targets: { type: 'array', items: explainedTarget },
    regions: { type: 'array', items: regionStatus, nullable: true },
    client: { ...clientExplanation, nullable: true },
    summary: string,
  },
  required: requiredOf<BalancedExplanation>({
    name: true,
    type: true,
    zone: true,
    kind: true,
    policy: true,
    whenAllDown: true,
    rule: true,
    ruleText: true,
    drainsIgnored: true,
    sampled: true,
    answer: true,
    targets: true,
    summary: true,
  }),
};

const staticExplanation: Schema<StaticExplanation> = {
  type: 'object',
  properties: {
    name: string,
    type: family,
    zone: string,
    kind: { type: 'string', enum: ['static', 'cname', 'balanced'] },
    answer: { type: 'array', items: string, nullable: true },
    summary: string,
  },
  required: requiredOf<StaticExplanation>({ name: true, type: true, zone: true, kind: true, summary: true }),
};

export const explainDocumentSchema: Schema<ExplainDocument> = {
  $id: 'urn:meridian:explain:v1',
  title: 'Meridian /explain document',
  // A balanced record explained has its targets; static data (or a balanced record without answers) has none.
  type: 'object',
  properties: { kind: string },
  required: ['kind'],
  if: { properties: { targets: {} }, required: ['targets'] },
  then: balancedExplanation,
  else: staticExplanation,
} as unknown as Schema<ExplainDocument>;

/** Checks documents against the schemas; compiled once per reader, so a command compiles each schema once. */
export interface DocumentReader {
  /** `document` as a StatusDocument, or MERIDIAN_ADMIN_DOCUMENT naming where it came from and what is wrong. */
  status(document: unknown, source: string): StatusDocument;
  explain(document: unknown, source: string): ExplainDocument;
}

export function createDocumentReader(): DocumentReader {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const status = ajv.compile<StatusDocument>(statusDocumentSchema);
  const explain = ajv.compile<ExplainDocument>(explainDocumentSchema);
  return {
    status(document, source) {
      if (status(document)) return document;
      throw Errors.adminDocument([source, '/status', describeErrors(status.errors)]);
    },
    explain(document, source) {
      if (explain(document)) return document;
      throw Errors.adminDocument([source, '/explain', describeErrors(explain.errors)]);
    },
  };
}

/** The first few problems, as `at /zones/0/serial: must be integer`. */
function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  const problems = (errors ?? []).filter((e) => e.keyword !== 'if');
  const shown = problems.slice(0, 3).map((e) => `at ${e.instancePath === '' ? '/' : e.instancePath}: ${e.message ?? e.keyword}`);
  return shown.join('; ') + (problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '');
}
