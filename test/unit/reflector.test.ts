// The list/watch loop against a scripted API server, on a fake clock: every failure mode gets backoff, never
// a hot loop, and the local copy survives outages.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/discovery/kubernetes/backoff.js';
import { describeError, Reflector, type ListResult, type ResourceClient, type WatchEventSink } from '../../src/discovery/kubernetes/reflector.js';
import { silentLogger } from '../../src/base/logger.js';
import { FakeClock } from '../helpers/fake-time.js';

const object = (name: string, rv: string, ip = '192.0.2.1') => ({ metadata: { namespace: 'default', name, resourceVersion: rv }, status: { ip } });

/** An API server whose answers the test scripts; it records every request. */
class ScriptedApi implements ResourceClient {
  lists = 0;
  watches: string[] = [];
  listResult: () => Promise<ListResult> = () => Promise.resolve({ resourceVersion: '10', items: [object('a', '9')] });
  /** What a watch does once started: by default it stays open and delivers what the test pushes. */
  onWatch: (sink: WatchEventSink) => void = () => {};
  sink: WatchEventSink | undefined;

  async list(): Promise<ListResult> {
    this.lists++;
    return this.listResult();
  }

  watch(resourceVersion: string, sink: WatchEventSink): Promise<{ abort(): void }> {
    this.watches.push(resourceVersion);
    this.sink = sink;
    queueMicrotask(() => this.onWatch(sink));
    return Promise.resolve({ abort: () => sink.done(new Error('aborted')) });
  }
}

function setup(options: { optional?: boolean } = {}, configure: (api: ScriptedApi) => void = () => {}) {
  const clock = new FakeClock(0);
  const api = new ScriptedApi();
  configure(api);
  let changes = 0;
  const reflector = new Reflector({
    resource: 'ingresses',
    client: api,
    clock,
    logger: silentLogger,
    onChange: () => changes++,
    random: () => 0.5,
    ...options,
  });
  reflector.start();
  return {
    clock,
    api,
    reflector,
    changes: () => changes,
    names: () => [...reflector.objects()].map((o) => (o as { metadata: { name: string } }).metadata.name).sort(),
  };
}

describe('backoff', () => {
  it('doubles from 1 s to at most 30 s, jittered within [half, whole], and resets', () => {
    const low = new Backoff(undefined, () => 0);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map(() => low.next()),
      [500, 1000, 2000, 4000, 8000, 15000, 15000],
    );
    const high = new Backoff(undefined, () => 1);
    assert.deepEqual(
      [1, 2, 3].map(() => high.next()),
      [1000, 2000, 4000],
    );
    high.reset();
    assert.equal(high.next(), 1000);
  });
});

describe('reflector', () => {
  it('lists, then watches from the list resourceVersion, applying events and bookmarks', async () => {
    const h = setup();
    await h.clock.advance(1);
    assert.ok(h.reflector.synced);
    assert.deepEqual(h.names(), ['a']);
    assert.deepEqual(h.api.watches, ['10']);
    h.api.sink!.event('ADDED', object('b', '11'));
    h.api.sink!.event('MODIFIED', object('a', '12', '192.0.2.9'));
    h.api.sink!.event('DELETED', object('b', '13'));
    h.api.sink!.event('BOOKMARK', { metadata: { resourceVersion: '20' } });
    assert.deepEqual(h.names(), ['a']);
    assert.equal(h.reflector.status().resourceVersion, '20');
    assert.equal(h.changes(), 4, 'first list and three object events; a bookmark changes nothing');
    // The server ends the watch normally (timeoutSeconds): it resumes from the bookmark, no relist.
    await h.clock.advance(10_000);
    h.api.sink!.done(undefined);
    await h.clock.advance(1);
    assert.deepEqual(h.api.watches, ['10', '20']);
    assert.equal(h.api.lists, 1);
  });

  it('lists again after 410 Gone', async () => {
    const h = setup();
    await h.clock.advance(1);
    h.api.listResult = () => Promise.resolve({ resourceVersion: '50', items: [object('c', '49')] });
    h.api.sink!.event('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    h.api.sink!.done(undefined);
    await h.clock.advance(2_000);
    assert.equal(h.api.lists, 2);
    assert.deepEqual(h.names(), ['c']);
    assert.equal(h.api.watches.at(-1), '50');
  });

  it('backs off against a server that closes every watch at once, instead of hot-looping', async () => {
    const h = setup({}, (api) => {
      api.onWatch = (sink) => sink.done(undefined);
    });
    await h.clock.advance(60_000);
    // 1 s, 2 s, 4 s, 8 s, 16 s, 30 s (jitter pinned to 3/4 of each): about 7 watches in a minute, not thousands.
    assert.ok(h.api.watches.length >= 5 && h.api.watches.length <= 9, `${h.api.watches.length} watches in 60 s`);
    assert.equal(h.reflector.status().state, 'backoff');
    assert.ok(h.reflector.status().errors >= 5);
  });

  it('keeps the last known objects while the API server is unreachable, and resumes when it returns', async () => {
    const h = setup();
    await h.clock.advance(1);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    h.api.listResult = async () => Promise.reject(refused);
    h.api.onWatch = (sink) => sink.done(refused);
    h.api.sink!.done(refused);
    await h.clock.advance(30_000);
    assert.deepEqual(h.names(), ['a'], 'nothing is erased');
    assert.match(h.reflector.status().lastError ?? '', /ECONNREFUSED/);
    const watchesDuringOutage = h.api.watches.length;
    assert.ok(watchesDuringOutage < 10, `${watchesDuringOutage} attempts in 30 s of outage`);
    // Back: the watch from the last resourceVersion works again and delivers news.
    h.api.onWatch = () => {};
    await h.clock.advance(31_000);
    h.api.sink!.event('ADDED', object('d', '14'));
    assert.deepEqual(h.names(), ['a', 'd']);
  });

  it('retries a failing first list with backoff, and is not synced until one succeeds', async () => {
    const h = setup({}, (api) => {
      api.listResult = async () => Promise.reject(Object.assign(new Error('Internal Server Error'), { code: 500 }));
    });
    await h.clock.advance(10_000);
    assert.equal(h.reflector.synced, false);
    assert.ok(h.api.lists >= 3 && h.api.lists <= 5, `${h.api.lists} lists in 10 s`);
    h.api.listResult = () => Promise.resolve({ resourceVersion: '7', items: [] });
    await h.clock.advance(20_000);
    assert.equal(h.reflector.synced, true);
  });

  it('marks an optional resource the server does not serve as unsupported, once', async () => {
    const h = setup({ optional: true }, (api) => {
      api.listResult = async () => Promise.reject(Object.assign(new Error('Not Found'), { code: 404 }));
    });
    await h.clock.advance(60_000);
    assert.equal(h.api.lists, 1);
    assert.equal(h.reflector.status().state, 'unsupported');
  });

  it('stops: aborts the watch and makes no more requests', async () => {
    const h = setup();
    await h.clock.advance(1);
    h.reflector.stop();
    await h.clock.advance(120_000);
    assert.equal(h.api.lists, 1);
    assert.equal(h.api.watches.length, 1);
  });
});

describe('describeError', () => {
  const cases: Array<{ name: string; error: unknown; expect: string; secret?: string }> = [
    {
      name: 'strips credentials from a URL',
      error: new Error('request to https://admin:s3cret@10.0.0.1:6443/apis failed'),
      expect: 'request to https://***@10.0.0.1:6443/apis failed',
      secret: 's3cret',
    },
    {
      name: 'strips a token-only userinfo',
      error: new Error('GET http://eyJhbGciOi@api.example:8080/ refused'),
      expect: 'GET http://***@api.example:8080/ refused',
      secret: 'eyJhbGciOi',
    },
    {
      name: 'keeps a URL without credentials',
      error: new Error('connect ECONNREFUSED https://10.0.0.1:6443/'),
      expect: 'connect ECONNREFUSED https://10.0.0.1:6443/',
    },
    { name: 'keeps the first line only', error: new Error('first line\nsecond line with a token'), expect: 'first line', secret: 'token' },
    {
      name: 'adds the cause code of a fetch failure',
      error: Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      expect: 'fetch failed (ECONNREFUSED)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = describeError(c.error);
      assert.equal(text, c.expect);
      if (c.secret !== undefined) assert.ok(!text.includes(c.secret));
    });
  }
});
