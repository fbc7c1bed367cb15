// The health monitor in a peer group: its own rise/fall health is this vantage point's verdict, sent to the
// peers as it changes; what it serves is the quorum over every fresh vantage point, decided again when a
// peer's verdict changes or a peer goes stale.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthMonitor, type HealthObserver, type TransitionCause, type VerdictChange } from '../../src/health/monitor.js';
import { ProbePlanner } from '../../src/health/probe-plan.js';
import { MAJORITY, Quorum, type PeerVote, type QuorumRule } from '../../src/health/quorum.js';
import { ProbeScheduler } from '../../src/health/scheduler.js';
import type { Health } from '../../src/health/state.js';
import { silentLogger } from '../../src/base/logger.js';
import type { BalancedRecord } from '../../src/zone/model.js';
import { FakeClock, ManualTicker, ScriptedProber } from '../helpers/fake-time.js';
import { checkConfig, zoneOf } from '../helpers/fixture-zone.js';
import { createStaticEndpointSource } from '../helpers/static-endpoints.js';

const STALE_AFTER_MS = 3_000;
const PRIMARY = '192.0.2.30';
const STANDBY = '192.0.2.40';

const shop: BalancedRecord = {
  kind: 'balanced',
  name: 'shop.gslb.example.com',
  policy: 'failover',
  ttl: 30,
  answers: 1,
  whenAllDown: 'all',
  check: checkConfig(),
  targets: [PRIMARY, STANDBY].map((address) => ({ kind: 'static' as const, addresses: [address], weight: 1 })),
};
const ref = (target: number, address: string) => ({ zone: 'gslb.example.com', record: shop.name, target, address });

/** Peers whose votes the test sets: instance → verdict key → up. Each is heard from all the time until silenced. */
class ScriptedPeers {
  readonly #now: () => number;
  readonly silentSince = new Map<string, number>();
  readonly verdicts = new Map<string, Map<string, boolean>>();
  constructor(now: () => number) {
    this.#now = now;
  }
  *votesOn(key: string): Generator<PeerVote & { instance: string }> {
    for (const [instance, verdicts] of this.verdicts) yield { instance, up: verdicts.get(key), lastHeardAt: this.silentSince.get(instance) ?? this.#now() };
  }
  set(instance: string, key: string, up: boolean | undefined): void {
    let verdicts = this.verdicts.get(instance);
    if (verdicts === undefined) this.verdicts.set(instance, (verdicts = new Map<string, boolean>()));
    if (up !== undefined) verdicts.set(key, up);
  }
}

function groupHarness(rule: QuorumRule = MAJORITY) {
  const clock = new FakeClock(0);
  const ticker = new ManualTicker();
  const prober = new ScriptedProber(clock);
  const peers = new ScriptedPeers(() => clock.now());
  const sent: VerdictChange[] = [];
  const transitions: Array<{ address: string; from: Health; to: Health; cause: TransitionCause }> = [];
  const observer: HealthObserver = {
    onTrack: () => {},
    onResult: () => {},
    onRelabel: () => {},
    onForget: () => {},
    onTransition: (r, from, to, cause) => transitions.push({ address: r.address, from, to, cause }),
  };
  const changes: string[][] = [];
  const scheduler = new ProbeScheduler({ prober, clock, ticker, random: () => 0.5 });
  const monitor = new HealthMonitor({
    scheduler,
    clock,
    observer,
    quorum: new Quorum({ rule, staleAfterMs: STALE_AFTER_MS, peers, now: () => clock.now() }),
    onVerdicts: (list) => sent.push(...list),
    onChange: (records) => changes.push(records.map((r) => r.name)),
  });
  monitor.sync(new ProbePlanner().desiredProbes([zoneOf('gslb.example.com', [shop])], createStaticEndpointSource(silentLogger)), true);
  scheduler.start();
  const keyOf = (address: string, target: number) => monitor.subscriptionOf(ref(target, address))!.verdictKey;
  const until = async (predicate: () => boolean, limitMs = 60_000) => {
    const start = clock.now();
    while (!predicate()) {
      if (clock.now() - start > limitMs) throw new Error('condition not reached in fake time');
      await clock.advance(10, () => ticker.tick());
    }
  };
  return { clock, ticker, prober, peers, monitor, sent, transitions, changes, keyOf, until, primary: () => monitor.healthOf(ref(0, PRIMARY)) };
}

describe('health monitor in a peer group', () => {
  it('names a verdict by the probe and its rise/fall, and sends each change of its own verdict once', async () => {
    const h = groupHarness();
    const key = h.keyOf(PRIMARY, 0);
    assert.match(key, / 192\.0\.2\.30 2\/2$/);
    await h.until(() => h.monitor.firstRoundDone());
    assert.deepEqual(
      [...h.sent].sort(),
      [
        [h.keyOf(PRIMARY, 0), true],
        [h.keyOf(STANDBY, 1), true],
      ].sort(),
    );
    assert.deepEqual([...h.monitor.verdicts()].sort(), [...h.sent].sort(), 'the snapshot is what was sent');
    h.prober.outcome = (address) => address !== PRIMARY;
    await h.until(() => h.sent.length === 3);
    assert.deepEqual(h.sent[2], [key, false]);
    assert.ok(h.monitor.hasVerdict(key));
    assert.equal(h.monitor.hasVerdict(key.replace(/ 2\/2$/, ' 3/2')), false, 'other rise/fall: another verdict');
  });

  // Own verdict on the primary, then the peers' (undefined: the peer has none), and what is served.
  const decisions: ReadonlyArray<{ name: string; own: boolean; peers: Array<boolean | undefined>; rule?: QuorumRule; served: Health }> = [
    { name: 'a vantage point cut alone is out-voted', own: false, peers: [true, true], served: 'up' },
    { name: 'two of three down is down', own: false, peers: [false, true], served: 'down' },
    { name: 'this instance up, both peers down: down', own: true, peers: [false, false], served: 'down' },
    { name: 'a tie is healthy', own: false, peers: [true], served: 'up' },
    { name: 'a peer without a verdict does not vote', own: false, peers: [undefined, true], served: 'up' },
    { name: 'alone, its own verdict decides', own: false, peers: [], served: 'down' },
    { name: '34% healthy under 33%: up', own: false, peers: [true, false], rule: { kind: 'healthy-share', percent: 33 }, served: 'up' },
    { name: '33% healthy under 50%: down', own: true, peers: [false, false], rule: { kind: 'healthy-share', percent: 50 }, served: 'down' },
  ];
  for (const { name, own, peers, rule, served } of decisions) {
    it(`decides: ${name}`, async () => {
      const h = groupHarness(rule);
      await h.until(() => h.monitor.firstRoundDone());
      const key = h.keyOf(PRIMARY, 0);
      peers.forEach((up, i) => h.peers.set(`peer-${i}`, key, up));
      h.monitor.votesChanged([key]);
      h.prober.outcome = (address) => address !== PRIMARY || own;
      await h.until(() => h.monitor.subscriptionOf(ref(0, PRIMARY))!.state.health === (own ? 'up' : 'down'), 10_000);
      assert.equal(h.primary(), served);
      assert.equal(h.monitor.subscriptionOf(ref(0, PRIMARY))!.decided, served);
    });
  }

  it('decides again when a peer verdict changes, tells why, and rebuilds the record', async () => {
    const h = groupHarness();
    await h.until(() => h.monitor.firstRoundDone());
    const key = h.keyOf(PRIMARY, 0);
    h.peers.set('b', key, true);
    h.peers.set('c', key, true);
    h.transitions.length = 0; // the first results' unknown → up
    h.prober.outcome = (address) => address !== PRIMARY;
    await h.until(() => h.monitor.subscriptionOf(ref(0, PRIMARY))!.state.health === 'down');
    assert.equal(h.primary(), 'up', 'cut here alone');
    assert.equal(h.transitions.length, 0, 'no served change, so nothing to tell');

    h.peers.set('b', key, false);
    h.monitor.votesChanged([key, 'a key this instance does not have 2/2']);
    assert.equal(h.primary(), 'down');
    assert.deepEqual(h.changes.at(-1), [shop.name]);
    const [transition] = h.transitions;
    assert.equal(h.transitions.length, 1);
    assert.equal(transition.to, 'down');
    assert.equal(transition.cause.reason, 'down by quorum (a strict majority): 2 of 3 vantage points see it down (here: down, b: down, c: up)');
  });

  it('a stale peer stops voting once it is decided again (revote)', async () => {
    const h = groupHarness();
    await h.until(() => h.monitor.firstRoundDone());
    const key = h.keyOf(PRIMARY, 0);
    h.peers.set('b', key, false);
    h.peers.set('c', key, false);
    h.monitor.votesChanged([key]);
    assert.equal(h.primary(), 'down', 'two peers out-vote this instance');
    h.peers.silentSince.set('b', h.clock.now());
    h.peers.silentSince.set('c', h.clock.now());
    await h.clock.advance(STALE_AFTER_MS + 1);
    h.monitor.revote();
    assert.equal(h.primary(), 'up', 'both peers stale: this instance decides alone');
    assert.match(h.transitions.at(-1)!.cause.reason, /^up by quorum .*: 0 of 1 vantage points see it down \(here: up, b: down \(stale\), c: down \(stale\)\)$/);
  });

  it("a subscription added while running takes the peers' decision at once", async () => {
    const h = groupHarness();
    await h.until(() => h.monitor.firstRoundDone());
    const extra: BalancedRecord = { ...shop, name: 'extra.gslb.example.com', targets: [{ kind: 'static', addresses: ['192.0.2.77'], weight: 1 }] };
    const planner = new ProbePlanner();
    const endpoints = createStaticEndpointSource(silentLogger);
    const withExtra = planner.desiredProbes([zoneOf('gslb.example.com', [shop, extra])], endpoints);
    const extraKey = withExtra.flat().find((d) => d.ref.address === '192.0.2.77')!.spec.key + ' 2/2';
    h.peers.set('b', extraKey, false);
    h.peers.set('c', extraKey, false);
    h.monitor.sync(withExtra);
    assert.equal(h.monitor.healthOf({ zone: 'gslb.example.com', record: extra.name, target: 0, address: '192.0.2.77' }), 'down');
  });

  it('a record added later on a probe already decided votes with its verdict, as the peers hear it', async () => {
    const h = groupHarness();
    await h.until(() => h.monitor.firstRoundDone());
    const key = h.keyOf(PRIMARY, 0);
    h.peers.set('b', key, false);
    h.monitor.votesChanged([key]);
    assert.equal(h.primary(), 'up', 'here up, b down: a tie');
    // Another record with the same check on the primary: its subscription starts unknown, but this instance's
    // verdict on that probe (sent to the peers) is up, so it counts up here too: a tie, not b alone.
    const twin: BalancedRecord = { ...shop, name: 'twin.gslb.example.com' };
    h.monitor.sync(new ProbePlanner().desiredProbes([zoneOf('gslb.example.com', [shop, twin])], createStaticEndpointSource(silentLogger)));
    const twinRef = { zone: 'gslb.example.com', record: twin.name, target: 0, address: PRIMARY };
    assert.equal(h.monitor.subscriptionOf(twinRef)!.state.health, 'unknown');
    assert.equal(h.monitor.healthOf(twinRef), 'up');
  });
});
