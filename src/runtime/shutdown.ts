// Stopping: the undo list for a start that fails half-way, and the two ways a running server ends. A graceful
// drain (rolling update) turns /readyz false at once and keeps answering DNS for a while, so that load
// balancers and Service endpoints stop sending here first; a stop ends everything at once.

import type { Logger } from '../base/logger.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { Meridian } from './options.js';
import type { ServerReadiness } from './readiness.js';

/** What a start has set up so far, undone in reverse order when a later step fails. */
export class StartupUndo {
  readonly #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs `start`; if it throws, undoes every step added so far, then rethrows. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      for (const step of this.#steps.reverse()) await step();
      throw error;
    }
  }
}

export interface RunningParts {
  readonly readiness: ServerReadiness;
  readonly logger: Logger;
  /** Everything that reads, watches or probes: stopped before the listeners close. */
  readonly background: ReadonlyArray<{ stop(): void }>;
  readonly dns: { readonly endpoints: readonly ListenEndpoint[]; drain(timeoutMs: number): Promise<void>; close(): Promise<void> };
  readonly admin: { close(): Promise<void> } | undefined;
}

/** The handle on a running server (see Meridian in options.ts). */
export function runningServer(
  parts: RunningParts,
  server: Pick<Meridian, 'metrics' | 'reload'> & { readonly status: () => unknown; readonly adminEndpoint: Meridian['adminEndpoint'] },
): Meridian {
  return {
    dnsEndpoints: parts.dns.endpoints,
    adminEndpoint: server.adminEndpoint,
    metrics: server.metrics,
    reload: server.reload,
    ready: () => parts.readiness.ready(),
    status: server.status,
    drain: (timing) => drainGracefully(parts, timing),
    stop: () => stopNow(parts),
  };
}

/** /readyz false now, DNS still answered for `delayMs`, then the listeners close (TCP finishing for up to `timeoutMs`). */
export async function drainGracefully(parts: RunningParts, { delayMs, timeoutMs }: { readonly delayMs: number; readonly timeoutMs: number }): Promise<void> {
  if (!parts.readiness.startDraining()) return;
  parts.logger.info('draining: not ready; still answering', { delayMs, timeoutMs });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  for (const part of parts.background) part.stop();
  await parts.dns.drain(timeoutMs);
  parts.logger.info('drained: listeners closed');
  await parts.admin?.close();
}

export async function stopNow(parts: RunningParts): Promise<void> {
  parts.readiness.startDraining();
  for (const part of parts.background) part.stop();
  await Promise.all([parts.dns.close(), parts.admin?.close()]);
}
