// The fake API server against the real client: @kubernetes/client-node 2.0.1 loading a real kubeconfig file and
// using its typed API clients, Watch and informer exactly as Meridian does. If the fake drifts from the protocol
// the client understands, these fail. Some tests pin client-node behaviour Meridian has to cope with (error shapes,
// what an outage looks like); they are marked "client-node:".

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, makeInformer, NetworkingV1Api, Watch, type V1Ingress } from '@kubernetes/client-node';
import {
  FakeApiServer,
  gateway,
  ingress,
  service,
  waitFor,
  writeKubeconfig,
  type FakeApiServerOptions,
  type KubeObject,
  type ObjectMeta,
  type StatusObject,
} from '../helpers/fake-apiserver.js';

const INGRESSES = '/apis/networking.k8s.io/v1/ingresses';
const GATEWAYS = '/apis/gateway.networking.k8s.io/v1/gateways';
const GATEWAY_API = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' } as const;

let tempDir: string;
before(async () => {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'meridian-fake-apiserver-'));
});
after(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

let kubeconfigCount = 0;

/** A server, and a KubeConfig loaded from a kubeconfig file written for it. Closed after the test. */
async function setUp(options: FakeApiServerOptions = {}): Promise<{ server: FakeApiServer; kc: KubeConfig }> {
  const server = await FakeApiServer.start(options);
  servers.push(server);
  const file = path.join(tempDir, `kubeconfig-${++kubeconfigCount}.yaml`);
  await server.writeKubeconfig(file);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return { server, kc };
}

const servers: FakeApiServer[] = [];
const watchControllers: Array<Promise<AbortController>> = [];
afterEach(async () => {
  for (const controller of watchControllers.splice(0)) (await controller.catch(() => undefined))?.abort();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A watch event's object, plain JSON as sent (client-node passes it on as `any`): an Ingress or Gateway here, a
 * bookmark (kind, apiVersion and a resourceVersion), or an ERROR event's Status. The fields these tests read.
 */
interface WatchedObject {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly metadata: Partial<ObjectMeta>;
  readonly spec?: { readonly rules?: ReadonlyArray<{ readonly host?: string }> };
  /** An object's status, or 'Failure' in a Status. */
  readonly status?: 'Failure' | { readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ readonly ip?: string; readonly hostname?: string }> } };
  /** The Status fields. */
  readonly code?: number;
  readonly message?: string;
  readonly reason?: string;
}

interface ReceivedEvent {
  readonly type: string;
  readonly object: WatchedObject;
}

/** A CustomObjectsApi list (typed `any` by client-node) of gateways. */
interface GatewayList {
  readonly kind: string;
  readonly metadata: { readonly resourceVersion: string };
  readonly items: ReadonlyArray<{ readonly kind: string; readonly apiVersion: string; readonly status: { readonly addresses: readonly unknown[] } }>;
}

interface WatchRun {
  readonly events: ReceivedEvent[];
  /** Settles when client-node calls done: with its error, or null/undefined for a clean end of stream. */
  readonly done: Promise<unknown>;
  readonly controller: Promise<AbortController>;
  readonly startedAt: number;
  waitForEvents(count: number, deadlineMs?: number): Promise<void>;
}

/**
 * A client-node Watch whose events and end are recorded. inactivityTimeoutMs overrides Watch's private
 * requestTimeoutMs (30 s): the connect timeout, then the longest silence before it aborts the stream.
 */
function startWatch(kc: KubeConfig, watchPath: string, query: Record<string, string | number | boolean | undefined>, inactivityTimeoutMs?: number): WatchRun {
  const events: ReceivedEvent[] = [];
  let resolveDone!: (error: unknown) => void;
  const done = new Promise<unknown>((resolve) => (resolveDone = resolve));
  const startedAt = performance.now();
  const watch = new Watch(kc);
  if (inactivityTimeoutMs !== undefined) (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = inactivityTimeoutMs;
  const controller = watch.watch(watchPath, query, (type: string, object: WatchedObject) => events.push({ type, object }), resolveDone);
  watchControllers.push(controller);
  return {
    events,
    done,
    controller,
    startedAt,
    waitForEvents: (count, deadlineMs = 5_000) =>
      waitFor(() => events.length >= count, deadlineMs, `${count} watch events (got ${JSON.stringify(events.map((e) => e.type))})`),
  };
}

/** The promise's value, or a rejection if it takes longer than deadlineMs. */
async function within<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function summary(events: readonly ReceivedEvent[]): Array<[string, string | undefined, string | undefined]> {
  return events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]);
}

function webIngress(overrides: Partial<Parameters<typeof ingress>[0]> = {}): KubeObject {
  return ingress({ namespace: 'shop', name: 'web', hosts: ['shop.example.test'], ips: ['192.0.2.10'], ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

// ---------------------------------------------------------------------------------------------------------------

describe('lists through typed API clients', () => {
  it('lists all namespaces and one namespace, reporting the store resourceVersion', async () => {
    const { server, kc } = await setUp();
    const web = server.apply('ingresses', webIngress());
    server.apply('ingresses', ingress({ namespace: 'blog', name: 'blog', hosts: ['blog.example.test'], hostnames: ['lb.example.net'] }));
    const api = kc.makeApiClient(NetworkingV1Api);

    const all = await api.listIngressForAllNamespaces();
    assert.equal(all.kind, 'IngressList');
    assert.equal(all.apiVersion, 'networking.k8s.io/v1');
    assert.equal(all.metadata?.resourceVersion, server.resourceVersion());
    assert.deepEqual(
      all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`),
      ['blog/blog', 'shop/web'],
    );
    const item = all.items.find((i) => i.metadata?.name === 'web')!;
    // Built-in list items carry no kind/apiVersion, as from the real server.
    assert.equal(item.kind, undefined);
    assert.equal(item.apiVersion, undefined);
    assert.equal(item.metadata?.uid, web.metadata.uid);
    assert.equal(item.metadata?.resourceVersion, web.metadata.resourceVersion);
    // client-node: list items are class instances; timestamps become Dates.
    assert.ok(item.metadata?.creationTimestamp instanceof Date);
    assert.equal(item.spec?.rules?.[0]?.host, 'shop.example.test');
    assert.deepEqual(
      item.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['192.0.2.10'],
    );

    const shop = await api.listNamespacedIngress({ namespace: 'shop' });
    assert.deepEqual(
      shop.items.map((i) => i.metadata?.name),
      ['web'],
    );
    assert.equal(shop.metadata?.resourceVersion, server.resourceVersion());
    assert.deepEqual(
      server.requests.map((r) => [r.path, r.watch, r.namespace]),
      [
        [INGRESSES, false, undefined],
        ['/apis/networking.k8s.io/v1/namespaces/shop/ingresses', false, 'shop'],
      ],
    );
  });

  it('serves services through CoreV1Api and gateways through CustomObjectsApi, custom items keeping kind', async () => {
    const { server, kc } = await setUp();
    server.apply('services', service({ namespace: 'shop', name: 'edge', ips: ['192.0.2.20'], hostnames: ['edge.lb.example.net'] }));
    server.apply('services', service({ namespace: 'shop', name: 'internal', type: 'ClusterIP' }));
    const addresses = [{ value: '192.0.2.30' }, { type: 'Hostname', value: 'gw.example.net' }] as const;
    server.apply('gateways', gateway({ namespace: 'infra', name: 'gw', addresses }));

    const services = await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    assert.equal(services.kind, 'ServiceList');
    assert.equal(services.metadata?.resourceVersion, server.resourceVersion());
    const [edge, internal] = services.items;
    assert.equal(edge?.spec?.type, 'LoadBalancer');
    // client-node: list items are model class instances; compare them as JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(edge?.status?.loadBalancer?.ingress)), [
      { ip: '192.0.2.20', ipMode: 'VIP' },
      { hostname: 'edge.lb.example.net' },
    ]);
    assert.equal(internal?.spec?.type, 'ClusterIP');
    assert.deepEqual(JSON.parse(JSON.stringify(internal?.status?.loadBalancer)), {});

    const namespaced = await kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'other' });
    assert.deepEqual(namespaced.items, []);

    const gateways = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject(GATEWAY_API)) as GatewayList;
    assert.equal(gateways.kind, 'GatewayList');
    assert.equal(gateways.metadata.resourceVersion, server.resourceVersion());
    assert.equal(gateways.items[0].kind, 'Gateway');
    assert.equal(gateways.items[0].apiVersion, 'gateway.networking.k8s.io/v1');
    assert.deepEqual(gateways.items[0].status.addresses, [
      { type: 'IPAddress', value: '192.0.2.30' },
      { type: 'Hostname', value: 'gw.example.net' },
    ]);
    const inInfra = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...GATEWAY_API, namespace: 'infra' })) as GatewayList;
    assert.equal(inInfra.items.length, 1);
  });

  it('gets one object; a missing one is a 404 NotFound Status naming it', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    const api = kc.makeApiClient(NetworkingV1Api);
    const web = await api.readNamespacedIngress({ namespace: 'shop', name: 'web' });
    assert.equal(web.kind, 'Ingress');
    assert.equal(web.metadata?.name, 'web');

    const error = await rejection(api.readNamespacedIngress({ namespace: 'shop', name: 'nope' }));
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 404);
    const status = JSON.parse(error.body as string) as StatusObject;
    assert.equal(status.reason, 'NotFound');
    assert.equal(status.message, 'ingresses.networking.k8s.io "nope" not found');
  });

  it('filters by label and field selector; an unsupported field is a 400 BadRequest', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress({ labels: { 'meridian.example/gslb': 'true' } }));
    server.apply('ingresses', webIngress({ name: 'other', labels: { 'meridian.example/gslb': 'false' } }));
    server.apply('ingresses', webIngress({ name: 'unlabelled' }));
    const api = kc.makeApiClient(NetworkingV1Api);
    const names = async (query: { labelSelector?: string; fieldSelector?: string }) =>
      (await api.listIngressForAllNamespaces(query)).items.map((i) => i.metadata?.name);

    assert.deepEqual(await names({ labelSelector: 'meridian.example/gslb=true' }), ['web']);
    assert.deepEqual(await names({ labelSelector: 'meridian.example/gslb' }), ['other', 'web']);
    assert.deepEqual(await names({ labelSelector: '!meridian.example/gslb' }), ['unlabelled']);
    assert.deepEqual(await names({ labelSelector: 'meridian.example/gslb in (false, maybe)' }), ['other']);
    assert.deepEqual(await names({ labelSelector: 'meridian.example/gslb!=true' }), ['other', 'unlabelled']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name=web,metadata.namespace=shop' }), ['web']);

    const error = await rejection(names({ fieldSelector: 'spec.ingressClassName=nginx' }));
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 400);
    assert.equal((JSON.parse(error.body as string) as StatusObject).message, 'field label not supported: spec.ingressClassName');
  });

  it('an apply that changes nothing keeps the resourceVersion and sends no event', async () => {
    const { server, kc } = await setUp();
    const first = server.apply('ingresses', webIngress());
    const rv = server.resourceVersion();
    const watch = startWatch(kc, INGRESSES, { resourceVersion: rv });
    await server.waitFor((s) => s.openWatches().length === 1);

    const again = server.apply('ingresses', webIngress());
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(server.resourceVersion(), rv);
    server.apply('ingresses', webIngress({ ips: ['192.0.2.11'] }));
    await watch.waitForEvents(1);
    assert.deepEqual(summary(watch.events), [['MODIFIED', 'web', server.resourceVersion()]]);
    assert.equal(watch.events[0]?.object.metadata.uid, first.metadata.uid);
    assert.equal(watch.events[0]?.object.metadata.creationTimestamp, first.metadata.creationTimestamp);
  });
});

describe('watch protocol', () => {
  it('replays from a resourceVersion, then streams ADDED, MODIFIED, DELETED and BOOKMARK in order, lines split across chunks', async () => {
    const { server, kc } = await setUp({ splitEventLines: true });
    server.apply('ingresses', webIngress());
    const listed = await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
    const listedRv = listed.metadata!.resourceVersion!;
    // Changes between the list and the watch: the watch must replay them.
    server.apply('ingresses', webIngress({ name: 'api', hosts: ['api.example.test'] }));

    const watch = startWatch(kc, INGRESSES, { resourceVersion: listedRv, allowWatchBookmarks: true });
    await server.waitFor((s) => s.openWatches().length === 1);
    const opened = server.openWatches()[0];
    assert.equal(opened.resourceVersion, listedRv);
    assert.equal(opened.allowWatchBookmarks, true);

    // Non-ASCII content: the split falls inside a multi-byte character.
    server.apply('ingresses', webIngress({ annotations: { 'example.test/owner': 'Zoë ☃ 東京' } }));
    server.remove('ingresses', 'shop', 'api');
    server.bookmark();
    await watch.waitForEvents(4);

    const rvs = watch.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(
      summary(watch.events).map(([type, name]) => [type, name]),
      [
        ['ADDED', 'api'],
        ['MODIFIED', 'web'],
        ['DELETED', 'api'],
        ['BOOKMARK', undefined],
      ],
    );
    // Changes have increasing resourceVersions; the bookmark reports the latest, with no change since.
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2] && rvs[2] === rvs[3], `resourceVersions ${rvs.join(',')}`);
    assert.ok(rvs[0] > Number(listedRv));
    assert.equal(watch.events[1]?.object.metadata.annotations?.['example.test/owner'], 'Zoë ☃ 東京');
    assert.equal(watch.events[3]?.object.metadata.resourceVersion, server.resourceVersion());
    // Watch objects carry kind/apiVersion; a bookmark carries nothing but them and the resourceVersion.
    assert.equal(watch.events[0]?.object.kind, 'Ingress');
    assert.equal(watch.events[0]?.object.apiVersion, 'networking.k8s.io/v1');
    assert.deepEqual(watch.events[3]?.object, {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { resourceVersion: server.resourceVersion() },
    });
    // client-node: watch objects are plain JSON, timestamps stay strings.
    assert.equal(typeof watch.events[0]?.object.metadata.creationTimestamp, 'string');
    // A DELETED object is the last state, with the delete's resourceVersion.
    assert.deepEqual(
      watch.events[2]?.object.spec?.rules?.map((r) => r.host),
      ['api.example.test'],
    );
  });

  it('really splits event lines: a plain HTTP client sees one line arrive in several chunks', async () => {
    const { server } = await setUp({ splitEventLines: true });
    server.apply('ingresses', webIngress({ annotations: { note: 'café' } }));
    const chunks: Buffer[] = [];
    const firstLine = await new Promise<string>((resolve, reject) => {
      const request = http.get(`${server.url}${INGRESSES}?watch=true`, (response) => {
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['content-type'], 'application/json');
        assert.equal(response.headers['transfer-encoding'], 'chunked');
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          const text = Buffer.concat(chunks).toString('utf8');
          if (text.includes('\n')) {
            request.destroy();
            resolve(text.slice(0, text.indexOf('\n')));
          }
        });
      });
      request.on('error', reject);
    });
    assert.ok(chunks.length >= 2, `the first line arrived in ${chunks.length} chunk(s)`);
    assert.ok(
      chunks.some((chunk) => chunk.toString('utf8').includes('\uFFFD')),
      'one chunk ends or starts inside a multi-byte character',
    );
    const event = JSON.parse(firstLine) as ReceivedEvent;
    assert.equal(event.type, 'ADDED');
    assert.equal(event.object.metadata.annotations?.note, 'café');
  });

  it('sends bookmarks only to watches that asked for them', async () => {
    const { server, kc } = await setUp();
    const rv = server.resourceVersion();
    const without = startWatch(kc, INGRESSES, { resourceVersion: rv });
    const withBookmarks = startWatch(kc, INGRESSES, { resourceVersion: rv, allowWatchBookmarks: true });
    await server.waitFor((s) => s.openWatches().length === 2);
    server.bookmark();
    server.apply('ingresses', webIngress());
    await withBookmarks.waitForEvents(2);
    await without.waitForEvents(1);
    assert.deepEqual(
      withBookmarks.events.map((e) => e.type),
      ['BOOKMARK', 'ADDED'],
    );
    assert.deepEqual(
      without.events.map((e) => e.type),
      ['ADDED'],
    );
  });

  it('without a resourceVersion, or with "0", starts with a synthetic ADDED per existing object, then live events', async () => {
    const { server, kc } = await setUp();
    const web = server.apply('ingresses', webIngress());
    server.apply('ingresses', webIngress({ name: 'api' }));
    server.apply('services', service({ namespace: 'shop', name: 'edge' }));

    for (const query of [{}, { resourceVersion: '0' }]) {
      const watch = startWatch(kc, INGRESSES, query);
      await watch.waitForEvents(2);
      assert.deepEqual(summary(watch.events), [
        ['ADDED', 'api', String(Number(web.metadata.resourceVersion) + 1)],
        ['ADDED', 'web', web.metadata.resourceVersion],
      ]);
      (await watch.controller).abort();
    }

    const live = startWatch(kc, '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', {});
    await live.waitForEvents(2);
    server.remove('ingresses', 'shop', 'web');
    await live.waitForEvents(3);
    assert.deepEqual(
      live.events.map((e) => e.type),
      ['ADDED', 'ADDED', 'DELETED'],
    );
  });

  it('a resourceVersion older than compact() gets one ERROR event with a 410 Expired Status, then the stream ends', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    const old = server.resourceVersion();
    server.apply('ingresses', webIngress({ ips: ['192.0.2.99'] }));
    server.compact();

    const watch = startWatch(kc, INGRESSES, { resourceVersion: old });
    const error = await within(watch.done, 5_000, 'done after the 410');
    assert.equal(error, null);
    assert.deepEqual(watch.events, [
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${old} (${server.resourceVersion()})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);

    // The current resourceVersion still works after compaction.
    const current = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    await server.waitFor((s) => s.openWatches().length === 1);
    server.remove('ingresses', 'shop', 'web');
    await current.waitForEvents(1);
    assert.equal(current.events[0]?.type, 'DELETED');
  });

  it('a resourceVersion that fell out of the bounded history is expired too', async () => {
    const { server, kc } = await setUp({ historyLimit: 2 });
    const start = server.resourceVersion();
    server.apply('ingresses', webIngress({ name: 'a' }));
    const afterFirst = server.resourceVersion();
    server.apply('ingresses', webIngress({ name: 'b' }));
    server.apply('ingresses', webIngress({ name: 'c' }));

    const expired = startWatch(kc, INGRESSES, { resourceVersion: start });
    await within(expired.done, 5_000, 'done after the 410');
    assert.equal(expired.events[0]?.object.code, 410);
    assert.equal(expired.events[0]?.object.message, `too old resource version: ${start} (${afterFirst})`);

    const resumable = startWatch(kc, INGRESSES, { resourceVersion: afterFirst });
    await resumable.waitForEvents(2);
    assert.deepEqual(
      resumable.events.map((e) => e.object.metadata.name),
      ['b', 'c'],
    );
  });

  it('timeoutSeconds ends the stream cleanly: done gets no error', async () => {
    const { server, kc } = await setUp();
    const watch = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion(), timeoutSeconds: 1 });
    const error = await within(watch.done, 5_000, 'the end of a 1 s watch');
    assert.ok(error === null || error === undefined, `done(${String(error)})`);
    const elapsed = performance.now() - watch.startedAt;
    assert.ok(elapsed >= 900, `ended after ${elapsed} ms, before its 1 s timeout`);
    assert.equal(server.openWatches().length, 0);
  });

  it('a selected watch sees an object arrive as ADDED and leave as DELETED when its labels change', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    const watch = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion(), labelSelector: 'gslb=on' });
    await server.waitFor((s) => s.openWatches().length === 1);
    server.apply('ingresses', webIngress({ labels: { gslb: 'on' } }));
    server.apply('ingresses', webIngress({ labels: { gslb: 'on' }, ips: ['192.0.2.12'] }));
    server.apply('ingresses', webIngress({ labels: { gslb: 'off' }, ips: ['192.0.2.13'] }));
    await watch.waitForEvents(3);
    assert.deepEqual(
      watch.events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    // The DELETED carries the last content that matched, with the change's resourceVersion.
    const deleted = watch.events[2].object;
    assert.deepEqual(deleted.metadata.labels, { gslb: 'on' });
    assert.deepEqual(deleted.status, { loadBalancer: { ingress: [{ ip: '192.0.2.12' }] } });
    assert.equal(deleted.metadata.resourceVersion, server.resourceVersion());
  });

  it('a future resourceVersion waits, then ends with a 504 "Too large resource version" ERROR event', async () => {
    const { server, kc } = await setUp({ tooLargeResourceVersionWaitMs: 200 });
    const future = String(Number(server.resourceVersion()) + 10);
    const watch = startWatch(kc, INGRESSES, { resourceVersion: future });
    await within(watch.done, 5_000, 'done after the 504');
    assert.equal(watch.events.length, 1);
    assert.equal(watch.events[0]?.type, 'ERROR');
    assert.equal(watch.events[0]?.object.code, 504);
    assert.equal(watch.events[0]?.object.message, `Too large resource version: ${future}, current: ${server.resourceVersion()}`);
  });
});

describe('faults', () => {
  it('close-watch-immediately: the watch is accepted and ends at once, with no events; lists still work', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    server.setFault({ kind: 'close-watch-immediately' });
    const watch = startWatch(kc, INGRESSES, {});
    const error = await within(watch.done, 2_000, 'done on a closed watch');
    assert.ok(error === null || error === undefined, `done(${String(error)})`);
    assert.deepEqual(watch.events, []);
    assert.equal((await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces()).items.length, 1);
  });

  it('status 500 on lists: the typed API rejects with an ApiException carrying code 500 and the Status as text', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'status', code: 500 }, { on: 'list' });
    const error = await rejection(kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces());
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 500);
    // client-node: the body of an error response is the raw text, not parsed JSON.
    assert.equal(typeof error.body, 'string');
    const status = JSON.parse(error.body as string) as StatusObject;
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'InternalError');
    assert.equal(status.code, 500);

    // Watches are untouched by a list-only fault.
    startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    await server.waitFor((s) => s.openWatches().length === 1);
  });

  it('status 500 on watches: done gets an Error with statusCode 500', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'status', code: 500 }, { on: 'watch' });
    const watch = startWatch(kc, INGRESSES, {});
    const error = (await within(watch.done, 2_000, 'done on a 500')) as Error & { statusCode?: number };
    assert.ok(error instanceof Error);
    assert.equal(error.statusCode, 500);
    assert.equal(error.message, 'Internal Server Error');
  });

  it('silence: the watch is accepted and then gets nothing, while a healthy watch sees the change', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'silence' }, { resource: 'ingresses', on: 'watch' });
    const silent = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    // The Watch promise resolves once response headers arrive.
    await within(silent.controller, 2_000, 'the silent watch being accepted');
    server.setFault({ kind: 'none' }, { resource: 'ingresses', on: 'watch' });
    const healthy = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    await server.waitFor((s) => s.openWatches().length === 1);

    server.apply('ingresses', webIngress());
    await healthy.waitForEvents(1);
    assert.deepEqual(silent.events, []);
    assert.equal(server.openConnections(), 2, 'the silent watch is still connected');
    (await silent.controller).abort();
    await within(silent.done, 2_000, 'done after abort');
  });

  it("client-node: a silent watch is aborted after Watch's inactivity timeout with a DOMException TimeoutError", async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'silence' }, { on: 'watch' });
    const watch = startWatch(kc, INGRESSES, {}, 300);
    const error = (await within(watch.done, 5_000, 'the inactivity timeout')) as DOMException;
    assert.equal(error.name, 'TimeoutError');
    const elapsed = performance.now() - watch.startedAt;
    assert.ok(elapsed >= 280, `gave up after ${elapsed} ms`);
    await server.waitFor((s) => s.openConnections() === 0, 2_000, 'the client closing the silent connection');
  });

  it('gone: every watch gets the 410 ERROR event, even from the current resourceVersion', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'gone' });
    const watch = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    await within(watch.done, 2_000, 'done after the 410');
    assert.equal(watch.events.length, 1);
    assert.equal(watch.events[0]?.type, 'ERROR');
    assert.equal(watch.events[0]?.object.code, 410);
    assert.equal(watch.events[0]?.object.reason, 'Expired');
  });

  it('slow: the response comes after the delay', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'slow', delayMs: 300 }, { on: 'list' });
    const started = performance.now();
    await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 280, `answered after ${elapsed} ms`);
  });

  it('a per-resource fault wins over the all-resources one', async () => {
    const { server, kc } = await setUp();
    server.setFault({ kind: 'status', code: 503 });
    server.setFault({ kind: 'none' }, { resource: 'services' });
    await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    const error = await rejection(kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces());
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 503);
    server.clearFaults();
    await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
  });

  it('refuses watch-only faults aimed at lists', async () => {
    const { server } = await setUp();
    assert.throws(() => server.setFault({ kind: 'gone' }, { on: 'list' }), /watches only/);
    assert.throws(() => server.setFault({ kind: 'close-watch-immediately' }, { on: 'both' }), /watches only/);
  });
});

describe('outage: stop() and start()', () => {
  it('refuses connections while stopped and serves the same store on the same port after start()', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    const api = kc.makeApiClient(NetworkingV1Api);
    await api.listIngressForAllNamespaces();
    const port = server.port;

    await server.stop();
    // client-node: a refused connection is undici's TypeError "fetch failed" with the system error as cause.
    const error = (await rejection(api.listIngressForAllNamespaces())) as TypeError & { cause?: { code?: string } };
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, 'fetch failed');
    assert.equal(error.cause?.code, 'ECONNREFUSED');
    const watch = startWatch(kc, INGRESSES, {});
    const watchError = (await within(watch.done, 2_000, 'done on a refused watch')) as TypeError & { cause?: { code?: string } };
    assert.equal(watchError.cause?.code, 'ECONNREFUSED');

    await server.start();
    assert.equal(server.port, port);
    const listed = await api.listIngressForAllNamespaces();
    assert.deepEqual(
      listed.items.map((i) => i.metadata?.name),
      ['web'],
    );
  });

  it('client-node: an outage mid-watch ends it with an error (TypeError "terminated"), not a clean end', async () => {
    const { server, kc } = await setUp();
    const watch = startWatch(kc, INGRESSES, { resourceVersion: server.resourceVersion() });
    await server.waitFor((s) => s.openWatches().length === 1);
    await server.stop();
    const error = (await within(watch.done, 2_000, 'done on a dropped watch')) as TypeError & { cause?: { code?: string } };
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, 'terminated');
    assert.equal(server.openWatches().length, 0);
    assert.equal(server.openConnections(), 0);
  });
});

describe('Gateway API switch', () => {
  it('uninstalled: lists and watches of gateways are a 404 with a Status body; reinstalled: empty and served', async () => {
    const { server, kc } = await setUp({ gatewayApiInstalled: false });
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await rejection(api.listClusterCustomObject(GATEWAY_API));
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 404);
    assert.deepEqual(JSON.parse(error.body as string), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
    const watch = startWatch(kc, GATEWAYS, {});
    const watchError = (await within(watch.done, 2_000, 'done on a 404 watch')) as Error & { statusCode?: number };
    assert.equal(watchError.statusCode, 404);
    assert.throws(() => server.apply('gateways', gateway({ namespace: 'infra', name: 'gw', addresses: [] })), /not installed/);

    server.setGatewayApiInstalled(true);
    assert.deepEqual(((await api.listClusterCustomObject(GATEWAY_API)) as GatewayList).items, []);
  });

  it('uninstalling deletes the gateways and ends open gateway watches', async () => {
    const { server, kc } = await setUp();
    server.apply('gateways', gateway({ namespace: 'infra', name: 'gw', addresses: [{ value: '192.0.2.30' }] }));
    const watch = startWatch(kc, GATEWAYS, { resourceVersion: server.resourceVersion() });
    await server.waitFor((s) => s.openWatches().length === 1);
    server.setGatewayApiInstalled(false);
    assert.equal(await within(watch.done, 2_000, 'the gateway watch ending'), null);
    server.setGatewayApiInstalled(true);
    assert.equal(server.get('gateways', 'infra', 'gw'), undefined);
  });
});

describe('informer (makeInformer / ListWatch)', () => {
  it('gets add for an existing object, update after apply and delete after remove', async () => {
    const { server, kc } = await setUp({ splitEventLines: true });
    server.apply('ingresses', webIngress());
    const api = kc.makeApiClient(NetworkingV1Api);
    const informer = makeInformer<V1Ingress>(kc, INGRESSES, () => api.listIngressForAllNamespaces());
    const seen: string[] = [];
    informer.on('add', (obj) => seen.push(`add ${obj.metadata?.name} ${obj.metadata?.resourceVersion}`));
    informer.on('update', (obj) => seen.push(`update ${obj.metadata?.name} ${obj.metadata?.resourceVersion}`));
    informer.on('delete', (obj) => seen.push(`delete ${obj.metadata?.name}`));
    informer.on('error', (error) => seen.push(`error ${String(error)}`));
    try {
      await informer.start();
      const firstRv = server.resourceVersion();
      await waitFor(() => seen.length >= 1, 5_000, 'the informer add');
      await server.waitFor((s) => s.openWatches().length === 1, 5_000, 'the informer watch');
      assert.equal(server.openWatches()[0]?.resourceVersion, firstRv);

      server.apply('ingresses', webIngress({ ips: ['192.0.2.50'] }));
      const updatedRv = server.resourceVersion();
      await waitFor(() => seen.length >= 2, 5_000, 'the informer update');
      server.remove('ingresses', 'shop', 'web');
      await waitFor(() => seen.length >= 3, 5_000, 'the informer delete');
      assert.deepEqual(seen, [`add web ${firstRv}`, `update web ${updatedRv}`, 'delete web']);
      assert.deepEqual(informer.list(), []);
    } finally {
      await informer.stop();
    }
  });

  it('relists when resuming its watch gets 410 Expired', async () => {
    const { server, kc } = await setUp();
    server.apply('ingresses', webIngress());
    const api = kc.makeApiClient(NetworkingV1Api);
    const informer = makeInformer<V1Ingress>(kc, INGRESSES, () => api.listIngressForAllNamespaces());
    const errors: unknown[] = [];
    informer.on('error', (error) => errors.push(error));
    try {
      await informer.start();
      const listedRv = server.resourceVersion();
      await server.waitFor((s) => s.openWatches().length === 1, 5_000, 'the informer watch');
      // The revision moves on (another resource), ingress history is compacted, and the watch ends: the informer
      // resumes from its old resourceVersion, gets 410 Expired, and lists again.
      server.apply('services', service({ namespace: 'shop', name: 'edge' }));
      server.compact('ingresses');
      server.closeWatches();
      await server.waitFor((s) => s.requests.filter((r) => !r.watch).length === 2, 10_000, 'the relist');
      const log = server.requests.map((r) => (r.watch ? `watch ${r.query.resourceVersion}` : 'list'));
      assert.deepEqual(log, ['list', `watch ${listedRv}`, `watch ${listedRv}`, 'list']);
      await server.waitFor((s) => s.openWatches().length === 1, 5_000, 'the watch after the relist');
      assert.equal(server.openWatches()[0]?.resourceVersion, server.resourceVersion());
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});

describe('kubeconfig files', () => {
  it('one kubeconfig with a context per server: each context reaches its own server, with its token', async () => {
    const { server: east } = await setUp();
    const { server: west } = await setUp();
    east.apply('ingresses', webIngress({ name: 'east' }));
    west.apply('ingresses', webIngress({ name: 'west' }));
    const file = path.join(tempDir, 'multi.yaml');
    await writeKubeconfig(file, [
      { server: east, clusterName: 'east', contextName: 'east-ctx', token: 'east-token' },
      { server: west, clusterName: 'west', contextName: 'west-ctx', token: 'west-token' },
    ]);

    for (const [context, server, name] of [
      ['east-ctx', east, 'east'],
      ['west-ctx', west, 'west'],
    ] as const) {
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      kc.setCurrentContext(context);
      const listed = await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
      assert.deepEqual(
        listed.items.map((i) => i.metadata?.name),
        [name],
      );
      assert.equal(server.requests.at(-1)?.authorization, `Bearer ${name}-token`);
    }
  });

  it('client-node: an http:// server without insecure-skip-tls-verify is refused before any request', async () => {
    const { server } = await setUp();
    const file = path.join(tempDir, 'no-skip.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: plain',
        `  cluster: { server: "${server.url}" }`,
        'users:',
        '- name: u',
        '  user: {}',
        'contexts:',
        '- name: plain',
        '  context: { cluster: plain, user: u }',
        'current-context: plain',
        '',
      ].join('\n'),
    );
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const refusal = /HTTP protocol is not allowed when skipTLSVerify is not set or false/;
    await assert.rejects(kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces(), refusal);
    // Watch.watch rejects here instead of calling done: this error comes before its try block.
    let doneCalled = false;
    await assert.rejects(
      new Watch(kc).watch(
        INGRESSES,
        {},
        () => {},
        () => (doneCalled = true),
      ),
      refusal,
    );
    assert.equal(doneCalled, false);
    assert.equal(server.requests.length, 0);
  });
});
