// The health monitor: the rise/fall state of every address the probe planner (probe-plan.ts) asks for, and who
// to tell when an answer must change.
//
// Each (zone, record, target, address) is a subscription with its own state machine. Subscriptions whose
// probes are identical share one scheduled probe (see probeKey), which feeds all of them.

import { addressKey, type AddressRef, type RecordRef } from '../base/names.js';
import type { DesiredProbe, DesiredProbes, TrackedRef } from './probe-plan.js';
import type { ProbeJob, ProbeSchedulerPort } from './scheduler.js';
import { applyProbeResult, initialHealthState, isChanging, type Health, type AddressHealth, type HealthState, type ObservedResult } from './state.js';
import type { ProbeSpec } from './types.js';
import { type Clock } from '../base/clock.js';
import { runAtOnce } from '../base/slices.js';

/** Told about every probe result and every change of health (metrics and logs hang off this). */
export interface HealthObserver {
  /** A new address is being probed; it is unknown until its first result. */
  onTrack(ref: TrackedRef): void;
  onResult(ref: TrackedRef, result: ObservedResult): void;
  onTransition(ref: TrackedRef, from: Health, to: Health, result: ObservedResult): void;
  /**
   * A tracked address's target got another identity (a static target's address set changed) while its index,
   * probe and state stayed: from now on the address is `after`, and its health is still `health`.
   */
  onRelabel(before: TrackedRef, after: TrackedRef, health: Health): void;
  onForget(ref: TrackedRef): void;
}

export interface SubscriptionView {
  readonly ref: TrackedRef;
  readonly spec: ProbeSpec;
  readonly state: HealthState;
  readonly pendingUntilProbed: boolean;
}

interface Subscription {
  /** Replaced, with onRelabel, when a sync gives the same address another target identity. */
  ref: TrackedRef;
  desired: DesiredProbe;
  state: HealthState;
  /** Added after start: not served until its first probe says it is up. */
  readonly pendingUntilProbed: boolean;
}

class SharedProbe implements ProbeJob {
  readonly spec: ProbeSpec;
  // An array, not a Set: nearly every probe has one or two subscribers, and 20,000 Sets cost megabytes.
  readonly subscriptions: Subscription[] = [];
  readonly #deliver: (probe: SharedProbe, result: ObservedResult) => void;

  constructor(spec: ProbeSpec, deliver: (probe: SharedProbe, result: ObservedResult) => void) {
    this.spec = spec;
    this.#deliver = deliver;
  }

  intervalMs(): number {
    let interval = Infinity;
    for (const s of this.subscriptions) interval = Math.min(interval, s.desired.intervalMs);
    return interval;
  }

  fastIntervalMs(): number {
    let interval = Infinity;
    for (const s of this.subscriptions) interval = Math.min(interval, s.desired.fastIntervalMs);
    return interval;
  }

  changing(): boolean {
    for (const s of this.subscriptions) if (isChanging(s.state)) return true;
    return false;
  }

  deliver(result: ObservedResult): void {
    this.#deliver(this, result);
  }
}

export interface HealthMonitorOptions {
  readonly scheduler: ProbeSchedulerPort;
  readonly clock: Clock;
  readonly observer?: HealthObserver;
  /** Records whose answers may have changed: a target went down or came back. */
  readonly onChange: (records: readonly RecordRef[]) => void;
}

export class HealthMonitor {
  readonly #scheduler: ProbeSchedulerPort;
  readonly #clock: Clock;
  readonly #observer: HealthObserver | undefined;
  readonly #onChange: (records: readonly RecordRef[]) => void;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #probes = new Map<string, SharedProbe>();
  /** The groups of the last sync (see DesiredProbes). */
  #groups = new Set<readonly DesiredProbe[]>();

  constructor(options: HealthMonitorOptions) {
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#observer = options.observer;
    this.#onChange = options.onChange;
  }

  /**
   * Makes the probed set match `desired`. Addresses that stay keep their state (a zone reload does not reset
   * health); gone ones stop being probed. New ones start unknown. At start (`initial`) they are served until
   * probed, so a fresh server answers at once; later (a reload, an address found by discovery) they are
   * probed right away and served once healthy.
   */
  sync(desired: DesiredProbes, initial = false): void {
    runAtOnce(this.syncSteps(desired, initial));
  }

  /**
   * sync as small steps, for runInSlices. Only groups that were not in the last sync are looked at, against
   * the groups that are no longer there: a reload that changes one record of 10,000 touches that record's
   * subscriptions alone, where comparing all 20,000 would hold the thread for tens of milliseconds.
   */
  *syncSteps(desired: DesiredProbes, initial = false): Generator<void, void> {
    const previous = this.#groups;
    const next = new Set<readonly DesiredProbe[]>();
    const added: Array<readonly DesiredProbe[]> = [];
    for (let i = 0; i < desired.length; i++) {
      if (i % 1024 === 1023) yield;
      const group = desired[i];
      if (next.has(group)) continue;
      next.add(group);
      if (!previous.has(group)) added.push(group);
    }
    const wanted = new Map<string, DesiredProbe>();
    let count = 0;
    for (const group of added) {
      for (const d of group) {
        if (++count % 1024 === 0) yield;
        wanted.set(d.id, d);
      }
    }
    for (const group of previous) {
      if (++count % 1024 === 0) yield;
      if (next.has(group)) continue;
      for (const d of group) {
        const subscription = this.#subscriptions.get(d.id);
        if (subscription === undefined || subscription.desired !== d) continue; // already taken over by a new group
        const replacement = wanted.get(d.id);
        if (replacement === undefined || replacement.spec.key !== d.spec.key) this.#unsubscribe(d.id, subscription);
      }
    }
    for (const [id, d] of wanted) {
      if (++count % 512 === 0) yield;
      const existing = this.#subscriptions.get(id);
      if (existing?.desired === d) continue;
      if (existing !== undefined) {
        // Same probe; rise/fall, intervals or the target's identity may have changed.
        const before = existing.desired;
        existing.desired = d;
        if (existing.ref.targetId !== d.ref.targetId) {
          const previousRef = existing.ref;
          existing.ref = d.ref;
          this.#observer?.onRelabel(previousRef, d.ref, existing.state.health);
        }
        if (before.intervalMs !== d.intervalMs || before.fastIntervalMs !== d.fastIntervalMs) this.#scheduler.jobChanged(d.spec.key);
        continue;
      }
      this.#subscribe(id, d, !initial);
    }
    this.#groups = next;
  }

  healthOf(ref: AddressRef): AddressHealth {
    const subscription = this.#subscriptions.get(addressKey(ref));
    if (subscription === undefined) return 'unknown';
    const health = subscription.state.health;
    return health === 'unknown' && subscription.pendingUntilProbed ? 'pending' : health;
  }

  /** True once every probed address has had its first result. */
  firstRoundDone(): boolean {
    for (const subscription of this.#subscriptions.values()) if (subscription.state.lastResult === undefined) return false;
    return true;
  }

  /** The subscription of one address of one record's target, if it is probed. */
  subscriptionOf(ref: AddressRef): SubscriptionView | undefined {
    const s = this.#subscriptions.get(addressKey(ref));
    return s === undefined ? undefined : { ref: s.ref, spec: s.desired.spec, state: s.state, pendingUntilProbed: s.pendingUntilProbed };
  }

  subscriptions(): SubscriptionView[] {
    return [...this.#subscriptions.values()].map((s) => ({ ref: s.ref, spec: s.desired.spec, state: s.state, pendingUntilProbed: s.pendingUntilProbed }));
  }

  get probeCount(): number {
    return this.#probes.size;
  }

  #subscribe(id: string, desired: DesiredProbe, pendingUntilProbed: boolean): void {
    const subscription: Subscription = { ref: desired.ref, desired, state: initialHealthState(this.#clock.now()), pendingUntilProbed };
    this.#subscriptions.set(id, subscription);
    this.#observer?.onTrack(desired.ref);
    let probe = this.#probes.get(desired.spec.key);
    if (probe === undefined) {
      probe = new SharedProbe(desired.spec, (p, result) => this.#deliver(p, result));
      this.#probes.set(desired.spec.key, probe);
      probe.subscriptions.push(subscription);
      this.#scheduler.add(probe, pendingUntilProbed);
    } else {
      probe.subscriptions.push(subscription);
      if (pendingUntilProbed) this.#scheduler.runSoon(desired.spec.key);
      else this.#scheduler.jobChanged(desired.spec.key); // its intervals may be shorter
    }
  }

  #unsubscribe(id: string, subscription: Subscription): void {
    this.#subscriptions.delete(id);
    this.#observer?.onForget(subscription.ref);
    const key = subscription.desired.spec.key;
    const probe = this.#probes.get(key);
    if (probe === undefined) return;
    const index = probe.subscriptions.indexOf(subscription);
    if (index >= 0) probe.subscriptions.splice(index, 1);
    if (probe.subscriptions.length === 0) {
      this.#probes.delete(key);
      this.#scheduler.remove(key);
    } else {
      this.#scheduler.jobChanged(key); // the subscription that set the shortest interval may be gone
    }
  }

  #deliver(probe: SharedProbe, result: ObservedResult): void {
    const changed: RecordRef[] = [];
    for (const subscription of probe.subscriptions) {
      const before = subscription.state.health;
      subscription.state = applyProbeResult(subscription.state, result, subscription.desired.riseFall);
      this.#observer?.onResult(subscription.ref, result);
      const after = subscription.state.health;
      if (after === before) continue;
      this.#observer?.onTransition(subscription.ref, before, after, result);
      // At start, unknown already counts as healthy, so unknown → up leaves every answer as it was.
      if (!(before === 'unknown' && after === 'up' && !subscription.pendingUntilProbed))
        changed.push({ zone: subscription.ref.zone, name: subscription.ref.record });
    }
    if (changed.length > 0) this.#onChange(changed);
  }
}
