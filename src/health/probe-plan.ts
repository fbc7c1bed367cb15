// Probe planning: which addresses to probe, and how, from the zones and the endpoints discovery reports. The
// planner remembers what it planned for each record and each check, so that a reload that keeps a record as the
// same object (see load-thread.ts) plans nothing again; the composition root owns one planner for the server.

import { addressKey, type AddressRef } from '../base/names.js';
import { runAtOnce } from '../base/slices.js';
import type { Endpoint, EndpointSource } from '../zone/endpoints.js';
import { targetIdentity, type BalancedRecord, type CheckConfig, type ZoneConfig } from '../zone/model.js';
import type { RiseFall } from './state.js';
import { checkFingerprint, type ProbeSpec } from './types.js';

/** A probed address as observers see it: its ref, and what names its target across reorderings (targetIdentity). */
export interface TrackedRef extends AddressRef {
  readonly targetId: string;
}

export interface DesiredProbe {
  /** addressKey(ref): the subscription's key, computed once. */
  readonly id: string;
  readonly ref: TrackedRef;
  readonly spec: ProbeSpec;
  readonly riseFall: RiseFall;
  readonly intervalMs: number;
  readonly fastIntervalMs: number;
}

/**
 * The probes each record wants, one group per record with a check. A record kept as the same object by a reload
 * (see load-thread.ts), with the same addresses, gives the same group object again, so a sync can skip it whole.
 */
export type DesiredProbes = ReadonlyArray<readonly DesiredProbe[]>;

interface PlannedRecord {
  readonly zone: string;
  readonly addresses: ReadonlyArray<readonly string[]>;
  readonly desired: readonly DesiredProbe[];
}

export class ProbePlanner {
  /**
   * The desired probes of each record, kept for as long as the record object lives: a reload keeps unchanged
   * records as the same objects (see load-thread.ts), so their probes are not made again while their addresses
   * stay the same. With 20,000 addresses, making them again would be tens of megabytes of garbage per reload.
   */
  readonly #byRecord = new WeakMap<BalancedRecord, PlannedRecord>();
  /** The address-independent part of a check's probes, computed once per check object (one per record). */
  readonly #probeBases = new WeakMap<CheckConfig, { readonly base: Omit<ProbeSpec, 'key' | 'address'>; readonly fingerprint: string }>();

  /** Every address that needs probing: each target address of each balanced record with a check. */
  desiredProbes(zones: readonly ZoneConfig[], endpoints: EndpointSource): DesiredProbes {
    return runAtOnce(this.desiredProbeSteps(zones, endpoints));
  }

  /** desiredProbes as small steps (every 256 records), for runInSlices. */
  *desiredProbeSteps(zones: readonly ZoneConfig[], endpoints: EndpointSource): Generator<void, DesiredProbes> {
    const groups: Array<readonly DesiredProbe[]> = [];
    let count = 0;
    for (const zone of zones) {
      for (const record of zone.records) {
        if (++count % 256 === 0) yield;
        if (record.kind !== 'balanced' || record.check === undefined || record.check.protocol === 'none') continue;
        const recordEndpoints = endpoints.endpoints(zone, record);
        const cached = this.#byRecord.get(record);
        if (cached !== undefined && cached.zone === zone.zone && sameAddresses(cached.addresses, recordEndpoints)) {
          groups.push(cached.desired);
          continue;
        }
        const check = record.check;
        const riseFall = { rise: check.rise, fall: check.fall };
        const made: DesiredProbe[] = [];
        recordEndpoints.forEach((targetEndpoints, target) => {
          const targetId = targetIdentity(record.targets[target]);
          for (const { address } of targetEndpoints) {
            const ref = { zone: zone.zone, record: record.name, target, targetId, address };
            made.push({
              id: addressKey(ref),
              ref,
              spec: this.#probeSpec(check, address),
              riseFall,
              intervalMs: check.intervalMs,
              fastIntervalMs: check.fastIntervalMs,
            });
          }
        });
        this.#byRecord.set(record, { zone: zone.zone, addresses: recordEndpoints.map((list) => list.map((e) => e.address)), desired: made });
        groups.push(made);
      }
    }
    return groups;
  }

  #probeSpec(check: CheckConfig, address: string): ProbeSpec {
    let cached = this.#probeBases.get(check);
    if (cached === undefined) {
      const base = {
        protocol: check.protocol as ProbeSpec['protocol'],
        port: check.port,
        host: check.host,
        path: check.path,
        timeoutMs: check.timeoutMs,
        expect: check.expect,
        ...(check.body === undefined ? {} : { body: check.body }),
        headers: check.headers,
        tls: check.tls,
      };
      cached = { base, fingerprint: checkFingerprint(base) };
      this.#probeBases.set(check, cached);
    }
    return { ...cached.base, address, key: [cached.fingerprint, address].join(' ') };
  }
}

/** Whether the endpoints are the addresses planned for before, target by target and in order. */
function sameAddresses(a: ReadonlyArray<readonly string[]>, b: ReadonlyArray<readonly Endpoint[]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j].address) return false;
  }
  return true;
}
