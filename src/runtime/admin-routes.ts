// The admin API's routes: what each path does, in terms of the running server. The HTTP server
// (observability/admin.ts) parses requests, checks the token and sends the result; this decides the result.

import type { ListenEndpoint } from '../dns/endpoint.js';
import { startAdminServer, type AdminAction, type AdminServer, type AdminServerOptions } from '../observability/admin.js';
import { STATUS_PAGE_DIRECTORY } from '../observability/status-page.js';
import { EXPLAINED_TYPES, explainedType, type ReloadOutcome } from '../observability/status.js';
import { parseClient, type ClientAddress } from '../observability/geo-status.js';

export interface AdminRoutesOptions {
  readonly reload: (reason: string) => Promise<ReloadOutcome>;
  readonly drain: AdminAction;
  readonly undrain: AdminAction;
  /** Why `name` is answered as it is for `type` (for `client` when given); undefined when no zone served has that record. */
  readonly explain: (name: string, type: (typeof EXPLAINED_TYPES)[number], client?: ClientAddress) => unknown;
}

export type AdminRoutes = Required<Pick<AdminServerOptions, 'actions' | 'queries'>>;

export function adminRoutes(options: AdminRoutesOptions): AdminRoutes {
  return {
    actions: {
      '/reload': async () => {
        const outcome = await options.reload('admin API');
        return { status: outcome.ok ? 200 : 422, body: outcome };
      },
      '/drain': options.drain,
      '/undrain': options.undrain,
    },
    queries: {
      '/explain': (query) => {
        const name = query.get('name');
        if (name === null || name === '') return { status: 400, body: { error: 'name is required: /explain?name=NAME[&type=A|AAAA][&client=ADDRESS]' } };
        const type = explainedType(query.get('type') ?? 'A');
        if (type === undefined) {
          return {
            status: 400,
            body: { error: `explain covers ${EXPLAINED_TYPES.join(' and ')}, the types health and policy decide; other types are static data: dig them` },
          };
        }
        const clientText = query.get('client');
        const client = clientText === null || clientText === '' ? undefined : parseClient(clientText);
        if (clientText !== null && clientText !== '' && client === undefined)
          return { status: 400, body: { error: `client must be an IP address or a network (192.0.2.1, 2001:db8::/56), not ${JSON.stringify(clientText)}` } };
        const explanation = options.explain(name, type, client);
        return explanation === undefined ? { status: 404, body: { error: `no record named ${name} in any zone served` } } : { status: 200, body: explanation };
      },
    },
  };
}

/** The settings the admin API reads (part of MeridianOptions). */
export interface AdminApiSettings {
  /** Omit to run without the admin HTTP server. */
  readonly admin?: ListenEndpoint;
  /** The bearer token the admin server's state-changing endpoints require; without it they are disabled. */
  readonly adminToken?: string;
}

export type AdminApiDeps = Pick<AdminServerOptions, 'readiness' | 'status' | 'metrics' | 'logger'> & { readonly routes: AdminRoutes };

/** Starts the admin HTTP server with these routes, the live status feed and the status page; undefined without `admin`. */
export async function startAdminApi(settings: AdminApiSettings, deps: AdminApiDeps): Promise<AdminServer | undefined> {
  if (settings.admin === undefined) return undefined;
  const { routes, ...server } = deps;
  return startAdminServer({
    endpoint: settings.admin,
    ...server,
    ...(settings.adminToken === undefined ? {} : { token: settings.adminToken }),
    ...routes,
    events: true,
    page: STATUS_PAGE_DIRECTORY,
  });
}
