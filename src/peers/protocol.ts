// The messages instances of a peer group send each other (issue 17): who is speaking, a snapshot of its own
// verdicts when a link opens, then the changes, and heartbeats in between so that a silent peer is seen to go
// stale; and the manual drains the sender holds, when the link opens and whenever they change. A verdict is about a probe, named by its key (the probe's definition, the address and the rise/fall),
// so instances serving the same zone files agree on what it is about whatever order their records are in.
//
// Every message from a peer is checked before anything reads it: its size, that it is JSON, and its shape
// against the schema below. What fails is rejected with a reason (for the log and the rejected-messages
// metric) and never reaches the quorum.

import { Ajv } from 'ajv';
import { MAX_DRAIN_ENTRIES, type DrainEntry } from '../health/drains.js';

export const PEER_PROTOCOL_VERSION = 1;
/** A snapshot of 20,000 probes with keys of ~60 octets is ~1.5 MB; anything far above is not a peer's. */
export const MAX_PEER_MESSAGE_OCTETS = 4 * 1024 * 1024;
export const MAX_VERDICTS_PER_MESSAGE = 50_000;
export const MAX_PROBE_KEY_LENGTH = 512;

/** One verdict: its key (health/quorum.ts verdictKey: the probe and its rise/fall), and the sender's own health of it. */
export type Verdict = readonly [probeKey: string, up: boolean];

export type PeerMessage =
  /** First on every link: who is speaking, and when it thinks it is (for clock skew on the status page). */
  | { readonly type: 'hello'; readonly protocol: number; readonly instance: string; readonly sentAt: number }
  /** Every verdict the sender has now, replacing what was known of it. */
  | { readonly type: 'snapshot'; readonly verdicts: readonly Verdict[] }
  /** Verdicts that changed, and probes the sender no longer has. */
  | { readonly type: 'changes'; readonly verdicts: readonly Verdict[]; readonly removed: readonly string[] }
  /** Nothing changed, and the sender is alive. */
  | { readonly type: 'heartbeat'; readonly sentAt: number }
  /** Every target's latest manual drain or undrain the sender holds (its own and those it heard): on open, and on change. */
  | { readonly type: 'drains'; readonly drains: readonly DrainEntry[] };

export type RejectReason = 'too-large' | 'not-json' | 'schema' | 'protocol';

/** Every reason a peer's message is not applied: the reader's, a stream not opened by that peer's hello, or more probes than are kept. */
export const PEER_REJECTIONS = ['too-large', 'not-json', 'schema', 'protocol', 'identity', 'too-many-probes'] as const;
export type PeerRejection = (typeof PEER_REJECTIONS)[number];

export type ReadResult = { readonly ok: true; readonly message: PeerMessage } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

const probeKey = { type: 'string', minLength: 1, maxLength: MAX_PROBE_KEY_LENGTH };
const verdicts = {
  type: 'array',
  maxItems: MAX_VERDICTS_PER_MESSAGE,
  items: { type: 'array', items: [probeKey, { type: 'boolean' }], minItems: 2, additionalItems: false },
};
const instant = { type: 'number', minimum: 0 };
const instanceName = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' };
const drainEntry = {
  type: 'object',
  properties: {
    // A cluster name or an address, as `meridian drain` takes it.
    target: { type: 'string', minLength: 1, maxLength: 253 },
    drained: { type: 'boolean' },
    at: instant,
    // '' for an operation from before peer groups, read from an old state file.
    origin: { anyOf: [instanceName, { const: '' }] },
    reason: { type: 'string', maxLength: 1024 },
  },
  required: ['target', 'drained', 'at', 'origin'],
  additionalProperties: false,
};

/** Exactly one shape per type; unknown keys are refused, so a message says only what the protocol defines. */
export const peerMessageSchema = {
  $id: 'urn:meridian:peer-message:1',
  oneOf: [
    {
      type: 'object',
      properties: {
        type: { const: 'hello' },
        protocol: { type: 'integer', minimum: 1 },
        // A DNS label, as --instance is.
        instance: instanceName,
        sentAt: instant,
      },
      required: ['type', 'protocol', 'instance', 'sentAt'],
      additionalProperties: false,
    },
    { type: 'object', properties: { type: { const: 'snapshot' }, verdicts }, required: ['type', 'verdicts'], additionalProperties: false },
    {
      type: 'object',
      properties: { type: { const: 'changes' }, verdicts, removed: { type: 'array', maxItems: MAX_VERDICTS_PER_MESSAGE, items: probeKey } },
      required: ['type', 'verdicts', 'removed'],
      additionalProperties: false,
    },
    { type: 'object', properties: { type: { const: 'heartbeat' }, sentAt: instant }, required: ['type', 'sentAt'], additionalProperties: false },
    {
      type: 'object',
      properties: { type: { const: 'drains' }, drains: { type: 'array', maxItems: MAX_DRAIN_ENTRIES, items: drainEntry } },
      required: ['type', 'drains'],
      additionalProperties: false,
    },
  ],
} as const;

/** Reads peer messages; compiles the schema once per reader (one per peer link set, made by its owner). */
export class PeerMessageReader {
  readonly #validate = new Ajv({ strict: true, allErrors: false }).compile(peerMessageSchema);

  /** One message as it came off the link (one line of the stream). */
  read(text: string): ReadResult {
    // Length in UTF-16 units bounds the octets from below and is free; the octet count is exact.
    if (text.length > MAX_PEER_MESSAGE_OCTETS || Buffer.byteLength(text) > MAX_PEER_MESSAGE_OCTETS) {
      return { ok: false, reason: 'too-large', detail: `over ${MAX_PEER_MESSAGE_OCTETS} octets` };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: 'not-json', detail: error instanceof Error ? error.message : String(error) };
    }
    if (!this.#validate(value)) {
      const first = this.#validate.errors?.[0];
      return {
        ok: false,
        reason: 'schema',
        detail: first === undefined ? 'does not match' : `at ${first.instancePath || '/'}: ${first.message ?? first.keyword}`,
      };
    }
    const message = value as PeerMessage;
    if (message.type === 'hello' && message.protocol !== PEER_PROTOCOL_VERSION) {
      return { ok: false, reason: 'protocol', detail: `protocol ${message.protocol}; this instance speaks ${PEER_PROTOCOL_VERSION}` };
    }
    return { ok: true, message };
  }
}
