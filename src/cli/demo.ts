// `meridian demo`: two local "cluster ingresses" on 127.0.0.11:8080 and 127.0.0.12:8080, and Meridian serving
// the bundled example zone, whose health-checked records point at them. Break an ingress and watch the
// answers move.

import http from 'node:http';
import type { Socket } from 'node:net';
import { startMeridian } from '../runtime/meridian.js';
import type { ListenEndpoint } from '../dns/endpoint.js';
import type { Logger } from '../base/logger.js';

/** What a demo ingress does: serve, answer its health check with 503, or not listen at all. */
type IngressMode = 'ok' | 'failing' | 'stopped';

class DemoIngress {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  mode: IngressMode = 'stopped';
  #server: http.Server | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(name: string, address: string, port: number) {
    this.name = name;
    this.address = address;
    this.port = port;
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) {
      this.mode = 'ok';
      return;
    }
    const server = http.createServer((request, response) => {
      const healthy = this.mode === 'ok';
      const body = request.url === '/healthz' ? (healthy ? 'ok\n' : 'unhealthy\n') : `hello from ${this.name}\n`;
      response.writeHead(request.url === '/healthz' && !healthy ? 503 : 200, { 'content-type': 'text/plain' });
      response.end(body);
    });
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.address, () => resolve());
    });
    this.#server = server;
    this.mode = 'ok';
  }

  /** Stops listening: probes get "connection refused", as when an ingress controller dies. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.mode = 'stopped';
    if (server === undefined) return;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface DemoOptions {
  readonly zonesDir: string;
  readonly listen: ListenEndpoint;
  readonly admin: ListenEndpoint;
  readonly control: ListenEndpoint;
  readonly logger: Logger;
  readonly print: (text: string) => void;
}

export async function runDemo(options: DemoOptions): Promise<{ stop(): Promise<void> }> {
  const ingresses = [new DemoIngress('cluster-1', '127.0.0.11', 8080), new DemoIngress('cluster-2', '127.0.0.12', 8080)];
  for (const ingress of ingresses) await ingress.start();
  const meridian = await startMeridian({ zonesDir: options.zonesDir, listen: [options.listen], admin: options.admin, logger: options.logger });

  const act = async (name: string, action: string): Promise<string> => {
    const ingress = ingresses.find((i) => i.name === name);
    if (ingress === undefined) return `no ingress ${name}\n`;
    if (action === 'stop') await ingress.stop();
    else if (action === 'start') await ingress.start();
    else if (action === 'fail' && ingress.mode !== 'stopped') ingress.mode = 'failing';
    else if (action === 'ok' && ingress.mode !== 'stopped') ingress.mode = 'ok';
    else return `unknown action ${action} (stop, start, fail, ok)\n`;
    return `${ingress.name}: ${ingress.mode}\n`;
  };
  // A small control server, so the demo can be steered from another terminal.
  const control = http.createServer((request, response) => {
    const [, name = '', action = ''] = (request.url ?? '').split('/');
    void act(name, action).then((text) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(options.control.port, options.control.host, () => resolve());
  });

  const dns = meridian.dnsEndpoints[0];
  const c = `${options.control.host}:${options.control.port}`;
  options.print(
    [
      '',
      'Meridian demo: two cluster ingresses, and Meridian answering for gslb.example.com',
      '  cluster-1  http://127.0.0.11:8080  app weight 3, shop primary',
      '  cluster-2  http://127.0.0.12:8080  app weight 1, shop standby',
      '',
      'Watch the answers (in another terminal):',
      `  watch -n 0.5 'dig @${dns.host} -p ${dns.port} shop.gslb.example.com +short; dig @${dns.host} -p ${dns.port} app.gslb.example.com +short'`,
      '',
      'Break cluster-1 and bring it back:',
      `  curl ${c}/cluster-1/stop     # ingress gone (connection refused): shop fails over to 127.0.0.12 within about 2 s (one 2 s probe)`,
      `  curl ${c}/cluster-1/start    # back: shop returns to 127.0.0.11 after 2 good probes`,
      `  curl ${c}/cluster-1/fail     # ingress up, but /healthz answers 503: app stops answering 127.0.0.11`,
      `  curl ${c}/cluster-1/ok`,
      '',
      `Watch it live: http://${options.admin.host}:${meridian.adminEndpoint?.port}/ (the status page)`,
      `Why it answers what it answers: npx meridian status --admin ${options.admin.host}:${meridian.adminEndpoint?.port}`,
      `                                npx meridian explain shop.gslb.example.com --admin ${options.admin.host}:${meridian.adminEndpoint?.port}`,
      `Metrics: curl -s ${options.admin.host}:${meridian.adminEndpoint?.port}/metrics | grep meridian_target_health`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );

  return {
    async stop() {
      await meridian.stop();
      control.close();
      control.closeAllConnections();
      for (const ingress of ingresses) await ingress.stop();
    },
  };
}
