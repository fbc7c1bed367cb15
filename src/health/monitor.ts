// The health monitor: the rise/fall state of every address the probe planner (probe-plan.ts) asks for, and who
// to tell when an answer must change.
//
// Each (zone, record, target, address) is a subscription with its own state machine. Subscriptions whose
// probes are identical share one scheduled probe (see probeKey), which feeds all of them.
//
// In a peer group (issue 17) each subscription's own rise/fall health is this vantage point's verdict, which
// the peer link sends to the peers; the health served is the quorum's decision over every fresh vantage point's
// verdict (quorum.ts). It is decided again when this instance's verdict changes or a peer's does.

import { addressKey, type AddressRef, type RecordRef } from '../base/names.js';
import type { DesiredProbe, DesiredProbes, TrackedRef } from './probe-plan.js';
import type { ProbeJob, ProbeSchedulerPort } from './scheduler.js';
import {
  applyProbeResult,
  initialHealthState,
  isChanging,
  type Health,
  type AddressHealth,
  type HealthState,
  type ObservedResult,
  type RiseFall,
} from './state.js';
import type { ProbeSpec } from './types.js';
import { probeKeyOfVerdict, verdictKey, type Quorum } from './quorum.js';
import { type Clock } from '../base/clock.js';
import { runAtOnce } from '../base/slices.js';

/** Why a served health changed: the probe result here, or the quorum's reasons (then no duration). */
export interface TransitionCause {
  readonly reason: string;
  readonly durationMs?: number;
}

/** This instance's own verdict on one verdict key changed; undefined: it has none any more (or not yet). */
export type VerdictChange = readonly [key: string, up: boolean | undefined];

/** Told about every probe result and every change of served health (metrics and logs hang off this). */
export interface HealthObserver {
  /** A new address is being probed; it is unknown until its first result. */
  onTrack(ref: TrackedRef): void;
  onResult(ref: TrackedRef, result: ObservedResult): void;
  onTransition(ref: TrackedRef, from: Health, to: Health, cause: TransitionCause): void;
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
  /** This vantage point's own rise/fall state. */
  readonly state: HealthState;
  /** The health served: the own state's, or the quorum's decision in a peer group. */
  readonly decided: Health;
  /** What peers call this verdict (verdictKey). */
  readonly verdictKey: string;
  readonly pendingUntilProbed: boolean;
}

interface Subscription {
  /** Replaced, with onRelabel, when a sync gives the same address another target identity. */
  ref: TrackedRef;
  desired: DesiredProbe;
  state: HealthState;
  /** The health served (see SubscriptionView.decided). */
  decided: Health;
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
  /** The peer group's quorum; without it this instance decides alone. */
  readonly quorum?: Quorum;
  /** This instance's own verdicts that changed, for the peer link to send. */
  readonly onVerdicts?: (changes: readonly VerdictChange[]) => void;
}

export class HealthMonitor {
  readonly #scheduler: ProbeSchedulerPort;
  readonly #clock: Clock;
  readonly #observer: HealthObserver | undefined;
  readonly #onChange: (records: readonly RecordRef[]) => void;
  readonly #quorum: Quorum | undefined;
  readonly #onVerdicts: ((changes: readonly VerdictChange[]) => void) | undefined;
  /** The verdicts last told to onVerdicts, so that only changes are sent (kept only in a peer group). */
  readonly #published = new Map<string, boolean>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #probes = new Map<string, SharedProbe>();
  /** The groups of the last sync (see DesiredProbes). */
  #groups = new Set<readonly DesiredProbe[]>();

  constructor(options: HealthMonitorOptions) {
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#observer = options.observer;
    this.#onChange = options.onChange;
    this.#quorum = options.quorum;
    this.#onVerdicts = options.onVerdicts;
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
          this.#observer?.onRelabel(previousRef, d.ref, existing.decided);
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
    const health = subscription.decided;
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
    return s === undefined ? undefined : viewOf(s);
  }

  subscriptions(): SubscriptionView[] {
    return [...this.#subscriptions.values()].map(viewOf);
  }

  /** This instance's own verdicts now, for a snapshot to a peer that connects. */
  verdicts(): Array<readonly [key: string, up: boolean]> {
    const out: Array<readonly [string, boolean]> = [];
    for (const probe of this.#probes.values()) {
      const seen = new Set<string>();
      for (const s of probe.subscriptions) {
        const key = verdictKey(probe.spec.key, s.desired.riseFall);
        if (seen.has(key)) continue;
        seen.add(key);
        const up = ownVerdict(probe, s.desired.riseFall);
        if (up !== undefined) out.push([key, up]);
      }
    }
    return out;
  }

  /** Whether this instance probes what a verdict key is about (a peer's key it lacks is a zone-file mismatch). */
  hasVerdict(key: string): boolean {
    const probe = this.#probes.get(probeKeyOfVerdict(key));
    return probe !== undefined && probe.subscriptions.some((s) => verdictKey(probe.spec.key, s.desired.riseFall) === key);
  }

  /**
   * Peers' verdicts on these keys changed, or a peer went stale or came back: decides them again, and tells
   * observers and onChange about every served health that changed. Keys this instance lacks are ignored.
   */
  votesChanged(keys: Iterable<string>): void {
    const changed: RecordRef[] = [];
    for (const key of keys) {
      const probe = this.#probes.get(probeKeyOfVerdict(key));
      if (probe === undefined) continue;
      for (const subscription of probe.subscriptions) {
        if (verdictKey(probe.spec.key, subscription.desired.riseFall) !== key) continue;
        const before = subscription.decided;
        subscription.decided = this.#decide(probe, subscription);
        if (subscription.decided === before) continue;
        this.#observer?.onTransition(subscription.ref, before, subscription.decided, { reason: this.#explain(probe, subscription) });
        if (this.#servedChange(subscription, before)) changed.push({ zone: subscription.ref.zone, name: subscription.ref.record });
      }
    }
    if (changed.length > 0) this.#onChange(changed);
  }

  /** Decides every subscription again (a peer went stale or came back, touching all it voted on). */
  revote(): void {
    this.votesChanged(new Set(this.#allVerdictKeys()));
  }

  *#allVerdictKeys(): Generator<string> {
    for (const probe of this.#probes.values()) for (const s of probe.subscriptions) yield verdictKey(probe.spec.key, s.desired.riseFall);
  }

  get probeCount(): number {
    return this.#probes.size;
  }

  #subscribe(id: string, desired: DesiredProbe, pendingUntilProbed: boolean): void {
    const subscription: Subscription = { ref: desired.ref, desired, state: initialHealthState(this.#clock.now()), decided: 'unknown', pendingUntilProbed };
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
    // In a peer group, the peers may already have a verdict on it: a new instance agrees with them at once.
    if (this.#quorum !== undefined) subscription.decided = this.#decide(probe, subscription);
  }

  #unsubscribe(id: string, subscription: Subscription): void {
    this.#subscriptions.delete(id);
    this.#observer?.onForget(subscription.ref);
    const key = subscription.desired.spec.key;
    const probe = this.#probes.get(key);
    if (probe === undefined) return;
    const index = probe.subscriptions.indexOf(subscription);
    if (index >= 0) probe.subscriptions.splice(index, 1);
    this.#publish(probe, subscription.desired.riseFall);
    if (probe.subscriptions.length === 0) {
      this.#probes.delete(key);
      this.#scheduler.remove(key);
    } else {
      this.#scheduler.jobChanged(key); // the subscription that set the shortest interval may be gone
    }
  }

  #deliver(probe: SharedProbe, result: ObservedResult): void {
    const changed: RecordRef[] = [];
    let ownChanged: Subscription[] | undefined;
    for (const subscription of probe.subscriptions) {
      const own = subscription.state.health;
      subscription.state = applyProbeResult(subscription.state, result, subscription.desired.riseFall);
      this.#observer?.onResult(subscription.ref, result);
      if (subscription.state.health !== own) (ownChanged ??= []).push(subscription);
    }
    if (ownChanged === undefined) return;
    // Published before deciding, so that the peers hear this verdict as early as possible.
    for (const subscription of ownChanged) this.#publish(probe, subscription.desired.riseFall);
    for (const subscription of ownChanged) {
      const before = subscription.decided;
      subscription.decided = this.#decide(probe, subscription);
      if (subscription.decided === before) continue;
      const cause = this.#quorum === undefined ? result : { reason: `${this.#explain(probe, subscription)}; last probe here: ${result.reason}` };
      this.#observer?.onTransition(subscription.ref, before, subscription.decided, cause);
      if (this.#servedChange(subscription, before)) changed.push({ zone: subscription.ref.zone, name: subscription.ref.record });
    }
    if (changed.length > 0) this.#onChange(changed);
  }

  /** At start, unknown already counts as healthy, so unknown → up leaves every answer as it was. */
  #servedChange(subscription: Subscription, before: Health): boolean {
    return !(before === 'unknown' && subscription.decided === 'up' && !subscription.pendingUntilProbed);
  }

  #decide(probe: SharedProbe, subscription: Subscription): Health {
    const own = subscription.state.health;
    if (this.#quorum === undefined) return own;
    // This instance's vote is its published verdict: a subscription added later, still unknown, votes with the
    // older ones of the same probe and rise/fall, as the peers hear it.
    const verdict = ownVerdict(probe, subscription.desired.riseFall);
    return this.#quorum.decide(verdictKey(probe.spec.key, subscription.desired.riseFall), verdict === undefined ? own : verdict ? 'up' : 'down');
  }

  #explain(probe: SharedProbe, subscription: Subscription): string {
    const key = verdictKey(probe.spec.key, subscription.desired.riseFall);
    return this.#quorum?.explain(key, ownVerdict(probe, subscription.desired.riseFall)) ?? '';
  }

  /** Tells onVerdicts this instance's verdict on (probe, riseFall) if it changed. */
  #publish(probe: SharedProbe, riseFall: RiseFall): void {
    if (this.#onVerdicts === undefined) return;
    const key = verdictKey(probe.spec.key, riseFall);
    const up = ownVerdict(probe, riseFall);
    if (this.#published.get(key) === up) return;
    if (up === undefined) this.#published.delete(key);
    else this.#published.set(key, up);
    this.#onVerdicts([[key, up]]);
  }
}

/**
 * This instance's verdict on a probe smoothed by riseFall: the health of the first subscription with that
 * rise/fall that has one. Subscriptions with the same probe and rise/fall see the same results; one added
 * later is unknown until its first result, and does not count meanwhile.
 */
function ownVerdict(probe: SharedProbe, riseFall: RiseFall): boolean | undefined {
  for (const s of probe.subscriptions) {
    if (s.desired.riseFall.rise !== riseFall.rise || s.desired.riseFall.fall !== riseFall.fall) continue;
    if (s.state.health === 'up') return true;
    if (s.state.health === 'down') return false;
  }
  return undefined;
}

function viewOf(s: Subscription): SubscriptionView {
  return {
    ref: s.ref,
    spec: s.desired.spec,
    state: s.state,
    decided: s.decided,
    verdictKey: verdictKey(s.desired.spec.key, s.desired.riseFall),
    pendingUntilProbed: s.pendingUntilProbed,
  };
}
