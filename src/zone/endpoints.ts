// The endpoint port: where each target of a balanced record points right now. It is written in the policy's
// own types, so it lives in the lowest layer that has them: discovery implements it (static addresses,
// Kubernetes objects), and health, answers and observability read it, without any of them knowing the others.

import type { BalancedRecord, ZoneConfig } from './model.js';

/** Where each target of a balanced record currently points. */
export interface EndpointSource {
  /** The addresses of each of the record's targets, index-aligned with `record.targets`. */
  addresses(zone: ZoneConfig, record: BalancedRecord): ReadonlyArray<readonly string[]>;
}
