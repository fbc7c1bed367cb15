// The operator commands: `meridian status`, `drain`, `undrain` and `explain`. Each talks to a running server's
// admin API (admin-client.ts) and prints what it answered (render.ts); a failure is one clear line on stderr
// and exit status 1.

import { Command, Option } from 'commander';
import { AdminClientError, DEFAULT_ADMIN_URL, adminRequest, errorMessage, getJson, postDrain, resolveAdminUrl, resolveToken } from './admin-client.js';
import { renderDrainResult, renderExplain, renderStatus } from './render.js';
import { EXPLAINED_TYPES, explainedType } from '../observability/status.js';
import { parseClient } from '../observability/geo-status.js';
import { createDocumentReader } from '../observability/status-schema.js';

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

function adminOption(): Option {
  return new Option('--admin <url>', `admin server URL (also MERIDIAN_ADMIN_URL; default ${DEFAULT_ADMIN_URL})`);
}

function tokenOption(): Option {
  return new Option('--token-file <path>', 'file holding the admin bearer token (also MERIDIAN_ADMIN_TOKEN_FILE, or the token itself in MERIDIAN_ADMIN_TOKEN)');
}

function print(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs a command body; an AdminClientError (or anything else) becomes `meridian: message` and exit status 1. */
async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof AdminClientError ? error.message : String((error as Error)?.message ?? error);
    process.stderr.write(`meridian: ${message}\n`);
    process.exitCode = 1;
  }
}

interface AdminFlags {
  admin?: string;
}

interface DrainFlags extends AdminFlags {
  reason?: string;
  tokenFile?: string;
}

function drainAction(action: 'drain' | 'undrain') {
  return (target: string, flags: DrainFlags) =>
    run(async () => {
      const admin = resolveAdminUrl(flags.admin);
      const token = resolveToken(flags.tokenFile);
      const reason = action === 'drain' ? flags.reason : undefined;
      const result = await postDrain(admin, action, { target, ...(reason === undefined ? {} : { reason }) }, token);
      print([renderDrainResult(action, result, { color: useColor(process.stdout), target, ...(reason === undefined ? {} : { reason }) })]);
    });
}

export function registerOperatorCommands(program: Command): void {
  program
    .command('status')
    .description("show a running server's zones, records, target health, drains, maintenance windows and clusters")
    .addOption(adminOption())
    .option('--json', 'print the /status JSON document as the server gave it')
    .action((flags: AdminFlags & { json?: boolean }) =>
      run(async () => {
        const admin = resolveAdminUrl(flags.admin);
        const document = await getJson(admin, '/status');
        // --json prints what the server said, whatever its version; the picture needs the shape this version reads.
        if (flags.json === true) print([JSON.stringify(document, null, 2)]);
        else print(renderStatus(createDocumentReader().status(document, admin), { color: useColor(process.stdout), now: Date.now(), admin }));
      }),
    );

  program
    .command('drain')
    .description('take a cluster or an address out of rotation at once, in every record (until undrained; kept across restarts with --state-file)')
    .argument('<target>', 'a cluster name or an address')
    .option('--reason <text>', 'why, shown in status')
    .addOption(adminOption())
    .addOption(tokenOption())
    .action(drainAction('drain'));

  program
    .command('undrain')
    .description('put a drained cluster or address back into rotation')
    .argument('<target>', 'a cluster name or an address')
    .addOption(adminOption())
    .addOption(tokenOption())
    .action(drainAction('undrain'));

  program
    .command('explain')
    .description('explain why a name gets the answer it gets now: each target, its state, weight or priority, and the rule that picked the answer')
    .argument('<name>', 'a name in a zone served, full (shop.gslb.example.com) or relative to its zone (shop)')
    .argument('[type]', 'A or AAAA', 'A')
    .addOption(adminOption())
    .option('--client <address>', 'explain for one client: an IP address, or a network as dig +subnet gives it (geo and sticky records answer by client)')
    .option('--json', 'print the /explain JSON document as the server gave it')
    .action((name: string, type: string, flags: AdminFlags & { json?: boolean; client?: string }) =>
      run(async () => {
        // Refused here too, so an older server cannot silently explain A for MX.
        if (explainedType(type) === undefined)
          throw new AdminClientError(
            `explain covers ${EXPLAINED_TYPES.join(' and ')}, the types health and policy decide; ${type.toUpperCase()} is static data: dig it`,
            400,
          );
        if (flags.client !== undefined && parseClient(flags.client) === undefined)
          throw new AdminClientError(`--client must be an IP address or a network (192.0.2.1, 2001:db8::/56), not ${JSON.stringify(flags.client)}`, 400);
        const admin = resolveAdminUrl(flags.admin);
        const query = new URLSearchParams({ name, type: type.toUpperCase(), ...(flags.client === undefined ? {} : { client: flags.client }) });
        const response = await adminRequest(admin, `/explain?${query.toString()}`);
        if (response.status === 404) {
          if (typeof response.body === 'string')
            throw new AdminClientError(`the admin server at ${admin} has no /explain endpoint (404): is it an older meridian?`, 404);
          throw new AdminClientError(`no record named ${name} in any zone served`, 404);
        }
        if (response.status !== 200) {
          const message = errorMessage(response.body);
          throw new AdminClientError(
            `explain failed: the admin server answered ${response.status}${message === undefined ? '' : `: ${message}`}`,
            response.status,
          );
        }
        const explanation = createDocumentReader().explain(response.body, admin);
        // An older server ignores ?client= and explains for everyone: saying so beats a silently wrong answer.
        if (flags.client !== undefined && explanation.kind === 'balanced' && !('client' in explanation))
          throw new AdminClientError(`the admin server at ${admin} does not explain per client (--client): is it an older meridian?`, 501);
        if (flags.json === true) print([JSON.stringify(response.body, null, 2)]);
        else print(renderExplain(explanation, { color: useColor(process.stdout), now: Date.now() }));
      }),
    );
}
