// Readiness: /readyz is true while the server is not draining and every part of it says it is ready. Each
// condition is named, so that a test (and a reader) can see what readiness is made of.

import type { Readiness } from '../observability/admin.js';

export interface ReadinessCondition {
  readonly name: string;
  readonly ready: () => boolean;
}

/** The parts readiness asks. */
export interface ReadinessParts {
  readonly zones: { readonly zones: readonly unknown[] };
  readonly discovery: { ready(): boolean };
  readonly clusterChanges: { readonly pending: boolean };
  readonly monitor: { firstRoundDone(): boolean };
  readonly dns: { ready(): boolean };
}

/**
 * Ready once every cluster has synced (or the deadline passed), what they exposed is being probed, and every
 * probed address has had its first result. A failed zone file does not make the server unready: every replica
 * reads the same files, so that would take every zone down (docs/operations.md). With no zone served at all
 * there is nothing to be ready for.
 */
export function serverReadiness(parts: ReadinessParts): ServerReadiness {
  return new ServerReadiness([
    { name: 'a zone is served', ready: () => parts.zones.zones.length > 0 },
    { name: 'clusters synced', ready: () => parts.discovery.ready() },
    { name: 'cluster changes applied', ready: () => !parts.clusterChanges.pending },
    { name: 'first probe round', ready: () => parts.monitor.firstRoundDone() },
    { name: 'dns workers', ready: () => parts.dns.ready() },
  ]);
}

export class ServerReadiness implements Readiness {
  readonly #conditions: readonly ReadinessCondition[];
  #draining = false;

  constructor(conditions: readonly ReadinessCondition[]) {
    this.#conditions = conditions;
  }

  ready(): boolean {
    return !this.#draining && this.#conditions.every((condition) => condition.ready());
  }

  /** The conditions not met now (draining first): for logs and tests. */
  waitingFor(): string[] {
    return [...(this.#draining ? ['draining'] : []), ...this.#conditions.filter((condition) => !condition.ready()).map((condition) => condition.name)];
  }

  /** Not ready from now on, for good. Returns false when already draining. */
  startDraining(): boolean {
    if (this.#draining) return false;
    this.#draining = true;
    return true;
  }
}
