// A list/watch loop for one resource in one cluster (client-go calls it a reflector). It keeps a local copy
// of the objects and survives everything an API server can do:
//
// - any error restarts it after an exponential backoff with jitter (1 s doubling to 30 s);
// - a watch that ends at once without delivering anything counts as a failure too, so a server that closes
//   every watch gets backoff, not a flood of requests;
// - an inactivity timeout (in the client adapter) ends a half-open watch that would otherwise hang forever;
// - it asks for bookmarks, so a quiet watch still learns the current resourceVersion;
// - an expired resourceVersion (410 Gone) makes it list again;
// - while the API server is unreachable, the last known objects stay: nothing is erased until a new list
//   says otherwise.
//
// A resource that the server does not serve (404 on list, e.g. the Gateway API CRD not installed) is noted
// once and not retried in a loop.

import { Errors, MeridianError } from '../../base/errors.js';
import type { Logger } from '../../base/logger.js';
import type { Clock, TimerHandle } from '../../base/clock.js';
import { Backoff, type BackoffPolicy } from './backoff.js';

export interface ListResult {
  readonly resourceVersion: string;
  readonly items: readonly unknown[];
}

export interface WatchEventSink {
  event(type: string, object: unknown): void;
  /** The watch ended: `error` is undefined for a clean close (timeoutSeconds reached, say). */
  done(error: unknown): void;
}

/** The API server, as one resource's reflector needs it. Implemented with @kubernetes/client-node. */
export interface ResourceClient {
  list(): Promise<ListResult>;
  /** Starts a watch from `resourceVersion` with bookmarks; returns how to abort it. */
  watch(resourceVersion: string, sink: WatchEventSink): Promise<{ abort(): void }>;
}

export type ReflectorState = 'listing' | 'watching' | 'backoff' | 'unsupported' | 'stopped';

export interface ReflectorStatus {
  readonly resource: string;
  readonly state: ReflectorState;
  readonly synced: boolean;
  readonly objects: number;
  readonly resourceVersion: string;
  /** Clock ms of the last list or watch event; undefined before the first. */
  readonly lastEventAt: number | undefined;
  readonly errors: number;
  readonly lastError: string | undefined;
  readonly lists: number;
  readonly watches: number;
}

export interface ReflectorOptions {
  readonly resource: string;
  readonly client: ResourceClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after the local copy changed (a list that differs, or a watch event). */
  readonly onChange: () => void;
  /** Called for every failed list or watch. */
  readonly onError?: () => void;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** A watch that ends sooner than this having delivered nothing counts as a failure (default 5 s). */
  readonly minWatchMs?: number;
  /** A 404 on list marks the resource unsupported instead of retrying (optional APIs like Gateway). */
  readonly optional?: boolean;
  /** A list not answered within this time counts as failed (client-node's typed calls have no timeout). */
  readonly listTimeoutMs?: number;
}

/** The HTTP status of an error from client-node (ApiException.code, or statusCode on watch errors). */
export function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } } | undefined;
  for (const candidate of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof candidate === 'number') return candidate;
  return undefined;
}

/** Error text safe to log: no credentials from URLs, one line, bounded. */
export function describeError(error: unknown): string {
  const status = statusOf(error);
  // undici reports network failures as "fetch failed" with the reason (ECONNREFUSED, ...) in `cause`.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const detail = typeof cause?.code === 'string' ? ` (${cause.code})` : typeof cause?.message === 'string' ? ` (${cause.message})` : '';
  const raw = (error instanceof Error ? error.message : String(error)) + detail;
  const text = raw
    .replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@')
    .split('\n')[0]
    .slice(0, 300);
  return status === undefined || text.includes(String(status)) ? text : `HTTP ${status}: ${text}`;
}

function objectKey(object: unknown): string | undefined {
  const metadata = (object as { metadata?: { namespace?: unknown; name?: unknown } } | undefined)?.metadata;
  if (typeof metadata?.name !== 'string') return undefined;
  return `${typeof metadata.namespace === 'string' ? metadata.namespace : ''}/${metadata.name}`;
}

function resourceVersionOf(object: unknown): string | undefined {
  const rv = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

export class Reflector {
  readonly #options: ReflectorOptions;
  readonly #backoff: Backoff;
  readonly #minWatchMs: number;
  readonly #store = new Map<string, unknown>();
  #state: ReflectorState = 'listing';
  #synced = false;
  #resourceVersion = '';
  #lastEventAt: number | undefined;
  #errors = 0;
  #lastError: string | undefined;
  #lists = 0;
  #watches = 0;
  #stopped = false;
  #abortWatch: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #sleepTimer: TimerHandle | undefined;

  constructor(options: ReflectorOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff, options.random);
    this.#minWatchMs = options.minWatchMs ?? 5_000;
  }

  /** The objects as last known, keyed by namespace/name. */
  objects(): IterableIterator<unknown> {
    return this.#store.values();
  }

  get synced(): boolean {
    return this.#synced;
  }

  status(): ReflectorStatus {
    return {
      resource: this.#options.resource,
      state: this.#state,
      synced: this.#synced,
      objects: this.#store.size,
      resourceVersion: this.#resourceVersion,
      lastEventAt: this.#lastEventAt,
      errors: this.#errors,
      lastError: this.#lastError,
      lists: this.#lists,
      watches: this.#watches,
    };
  }

  start(): void {
    void this.#run().catch((error: unknown) => {
      if (!(error instanceof MeridianError && error.code === Errors.watchStopped.code))
        this.#options.logger.error('reflector stopped unexpectedly', { resource: this.#options.resource, error: describeError(error) });
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#state = 'stopped';
    this.#abortWatch?.();
    this.#wake?.();
  }

  async #run(): Promise<void> {
    let needList = true;
    while (!this.#stopped) {
      if (needList) {
        this.#state = 'listing';
        let result: ListResult;
        try {
          this.#lists++;
          result = await this.#listWithTimeout();
        } catch (error) {
          this.#check();
          if (this.#options.optional === true && statusOf(error) === 404) {
            this.#state = 'unsupported';
            this.#options.logger.info('resource not served by this cluster; not watching it', { resource: this.#options.resource });
            return;
          }
          await this.#failed('list failed', error);
          continue;
        }
        this.#check();
        this.#replace(result);
        needList = false;
      }

      this.#state = 'watching';
      const outcome = await this.#watchOnce();
      this.#check();
      if (outcome.gone) {
        // 410: our resourceVersion is older than the server's history. Start over from a list.
        this.#options.logger.info('watch expired (410 Gone); listing again', { resource: this.#options.resource });
        needList = true;
        if (outcome.events === 0) await this.#sleep(this.#backoff.next());
        continue;
      }
      if (outcome.error !== undefined) {
        await this.#failed('watch failed', outcome.error);
        continue;
      }
      if (outcome.events === 0 && outcome.durationMs < this.#minWatchMs) {
        await this.#failed(
          'watch closed at once',
          Errors.kubernetesWatch([`the server closed the watch after ${Math.round(outcome.durationMs)} ms without events`]),
        );
        continue;
      }
      this.#backoff.reset();
    }
  }

  #listWithTimeout(): Promise<ListResult> {
    const timeoutMs = this.#options.listTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = this.#options.clock.setTimer(() => reject(Errors.kubernetesWatch([`list not answered within ${timeoutMs} ms`])), timeoutMs);
      this.#options.client.list().then(
        (result) => {
          this.#options.clock.clearTimer(timer);
          resolve(result);
        },
        (error: unknown) => {
          this.#options.clock.clearTimer(timer);
          reject(error);
        },
      );
    });
  }

  #check(): void {
    if (this.#stopped) throw Errors.watchStopped([]);
  }

  #replace(result: ListResult): void {
    const next = new Map<string, unknown>();
    for (const item of result.items) {
      const key = objectKey(item);
      if (key !== undefined) next.set(key, item);
    }
    const changed = next.size !== this.#store.size || [...next].some(([key, value]) => resourceVersionOf(this.#store.get(key)) !== resourceVersionOf(value));
    this.#store.clear();
    for (const [key, value] of next) this.#store.set(key, value);
    this.#resourceVersion = result.resourceVersion;
    this.#lastEventAt = this.#options.clock.now();
    const first = !this.#synced;
    this.#synced = true;
    if (first) this.#options.logger.info('synced', { resource: this.#options.resource, objects: this.#store.size });
    if (changed || first) this.#options.onChange();
  }

  #watchOnce(): Promise<{ gone: boolean; error: unknown; events: number; durationMs: number }> {
    const started = this.#options.clock.now();
    let events = 0;
    let gone = false;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (error: unknown) => {
        if (finished) return;
        finished = true;
        this.#abortWatch = undefined;
        resolve({ gone, error, events, durationMs: this.#options.clock.now() - started });
      };
      const sink: WatchEventSink = {
        event: (type, object) => {
          if (finished) return;
          if (type === 'ERROR') {
            if (statusOf(object) === 410) gone = true;
            else {
              finish(Errors.kubernetesWatch([`watch error event: ${JSON.stringify(object).slice(0, 200)}`]));
              return;
            }
            return;
          }
          events++;
          this.#lastEventAt = this.#options.clock.now();
          const rv = resourceVersionOf(object);
          if (rv !== undefined) this.#resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          const key = objectKey(object);
          if (key === undefined) return;
          if (type === 'DELETED') this.#store.delete(key);
          else if (type === 'ADDED' || type === 'MODIFIED') this.#store.set(key, object);
          else return;
          this.#options.onChange();
        },
        done: (error) => finish(error === null ? undefined : error),
      };
      this.#watches++;
      this.#options.client.watch(this.#resourceVersion, sink).then(
        (handle) => {
          if (finished || this.#stopped) handle.abort();
          else this.#abortWatch = () => handle.abort();
        },
        (error: unknown) => finish(error ?? Errors.kubernetesWatch(['watch could not start'])),
      );
    });
  }

  async #failed(what: string, error: unknown): Promise<void> {
    this.#errors++;
    this.#lastError = describeError(error);
    this.#options.onError?.();
    const delay = this.#backoff.next();
    this.#options.logger.warn(`${what}; retrying`, { resource: this.#options.resource, error: this.#lastError, retryInMs: Math.round(delay) });
    await this.#sleep(delay);
  }

  #sleep(ms: number): Promise<void> {
    this.#state = 'backoff';
    return new Promise<void>((resolve) => {
      this.#wake = () => {
        if (this.#sleepTimer !== undefined) this.#options.clock.clearTimer(this.#sleepTimer);
        this.#wake = undefined;
        resolve();
      };
      this.#sleepTimer = this.#options.clock.setTimer(() => this.#wake?.(), ms);
    }).then(() => this.#check());
  }
}
