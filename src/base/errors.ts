// One catalogue of coded errors, in the style of Fastify's: every error Meridian raises on purpose has a stable
// code that operators can grep for and tests can assert on, and a message built from the same template.

export class MeridianError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeridianError';
    this.code = code;
  }
}

type Template<A extends unknown[]> = (...args: A) => string;

function defineError<A extends unknown[]>(code: string, template: Template<A>) {
  const factory = (args: A, options?: { cause?: unknown }) => new MeridianError(code, template(...args), options);
  return Object.assign(factory, { code });
}

export const Errors = {
  zonesInvalid: defineError(
    'MERIDIAN_ZONES_INVALID',
    (count: number, details: string) => `${count} problem${count === 1 ? '' : 's'} in the zone policy files:\n${details}`,
  ),
  zonesEmpty: defineError('MERIDIAN_ZONES_EMPTY', (where: string) => `no zone policy files (*.yaml, *.yml) found in ${where}`),
  badListenAddress: defineError('MERIDIAN_BAD_LISTEN_ADDRESS', (value: string) => `'${value}' is not ADDR:PORT (for IPv6 use [ADDR]:PORT)`),
  listenFailed: defineError('MERIDIAN_LISTEN_FAILED', (what: string, address: string, reason: string) => `cannot listen for ${what} on ${address}: ${reason}`),
  workersNeedPort: defineError(
    'MERIDIAN_WORKERS_NEED_PORT',
    () => 'with --workers, every --listen address needs an explicit port: the workers share it (SO_REUSEPORT)',
  ),
  badClusterSpec: defineError(
    'MERIDIAN_BAD_CLUSTER',
    (value: string) => `'${value}' is not NAME=KUBECONFIG[#CONTEXT] with NAME a DNS label (lowercase letters, digits, '-')`,
  ),
  duplicateCluster: defineError('MERIDIAN_DUPLICATE_CLUSTER', (name: string) => `cluster '${name}' is registered twice`),
  adminToken: defineError('MERIDIAN_ADMIN_TOKEN', (file: string, reason: string) => `cannot use the admin token file ${file}: ${reason}`),
  stateFile: defineError('MERIDIAN_STATE_FILE', (file: string, reason: string) => `cannot read the state file ${file}: ${reason}`),
  badRrlConfig: defineError('MERIDIAN_BAD_RRL', (reason: string) => `invalid response rate limiting settings: ${reason}`),
  responseTooLong: defineError(
    'MERIDIAN_RESPONSE_TOO_LONG',
    (octets: number) => `a response of ${octets} octets does not fit in one DNS message over TCP (at most 65535)`,
  ),
  kubeconfig: defineError('MERIDIAN_KUBECONFIG', (reason: string) => reason),
  /** A broken invariant: a bug in Meridian, never the user's input. */
  internal: defineError('MERIDIAN_INTERNAL', (what: string) => `internal error: ${what} (a bug in Meridian; please report it)`),
  adminDocument: defineError(
    'MERIDIAN_ADMIN_DOCUMENT',
    (admin: string, path: string, problems: string) =>
      `the admin server at ${admin} answered ${path} with a document this meridian does not read (${problems}): is it another version of meridian? --json prints it as it is`,
  ),
  statusPage: defineError(
    'MERIDIAN_STATUS_PAGE',
    (directory: string, reason: string) => `cannot read the status page in ${directory}: ${reason} (npm run build makes it)`,
  ),
  zoneLoaderExited: defineError('MERIDIAN_ZONE_LOADER', (code: number) => `the zone loader thread exited (${code}) without a result`),
  workerStart: defineError('MERIDIAN_WORKER_START', (index: number, reason: string) => `DNS worker ${index} ${reason}`),
  /** Why a list or watch of the Kubernetes API failed; logged, and retried with backoff. */
  kubernetesWatch: defineError('MERIDIAN_KUBERNETES_WATCH', (reason: string) => reason),
  /** A reflector was stopped while it listed or watched: not a failure, only the way out of its loop. */
  watchStopped: defineError('MERIDIAN_WATCH_STOPPED', () => 'the watch was stopped'),
  /** An operator command could not get an answer from the admin server (the message says why). */
  adminClient: defineError('MERIDIAN_ADMIN_CLIENT', (message: string) => message),
  adminTimeout: defineError('MERIDIAN_ADMIN_TIMEOUT', (seconds: number) => `no answer within ${seconds}s`),
  badQuorum: defineError(
    'MERIDIAN_BAD_QUORUM',
    (value: string) => `'${value}' is not a quorum: use majority, or N% (1 to 100) for healthy when at least N% of the vantage points see it healthy`,
  ),
  badPeerSpec: defineError('MERIDIAN_BAD_PEER', (value: string) => `'${value}' is not NAME=URL with NAME a DNS label and URL an http:// or https:// address`),
  badInstanceName: defineError(
    'MERIDIAN_BAD_INSTANCE',
    (name: string) => `'${name}' is not an instance name: a DNS label (lowercase letters, digits, '-'); set --instance`,
  ),
  duplicatePeer: defineError('MERIDIAN_DUPLICATE_PEER', (name: string) => `peer '${name}' is given twice, with different URLs`),
  peerTokenRequired: defineError(
    'MERIDIAN_PEER_TOKEN_REQUIRED',
    () => 'peers are configured but no --peer-token-file (MERIDIAN_PEER_TOKEN_FILE): a peer link without a shared secret would take verdicts from anyone',
  ),
  peerListenRequired: defineError(
    'MERIDIAN_PEER_LISTEN_REQUIRED',
    () => 'peers are configured but no --peer-listen (MERIDIAN_PEER_LISTEN): the peers could not hear this instance',
  ),
  peerFile: defineError('MERIDIAN_PEER_FILE', (what: string, file: string, reason: string) => `cannot use the ${what} file ${file}: ${reason}`),
  badPeerSetting: defineError('MERIDIAN_BAD_PEER_SETTING', (flag: string, value: string, expected: string) => `${flag} '${value}': ${expected}`),
  peerTlsIncomplete: defineError('MERIDIAN_PEER_TLS', () => '--peer-tls-cert and --peer-tls-key go together: give both, or neither'),
  geoipDatabase: defineError('MERIDIAN_GEOIP_DB', (file: string, reason: string) => `cannot use the GeoIP database ${file}: ${reason}`),
  clusterConfig: defineError('MERIDIAN_CLUSTER_CONFIG', (name: string, reason: string) => `cannot load the configuration of cluster '${name}': ${reason}`),
  /** A DNSSEC key pair that cannot be used; the reason never quotes the private key. */
  dnssecKey: defineError('MERIDIAN_DNSSEC_KEY', (file: string, reason: string) => `cannot use the DNSSEC key ${file}: ${reason}`),
  dnssecZone: defineError('MERIDIAN_DNSSEC_ZONE', (zone: string, reason: string) => `'${zone}' is not a zone name for a DNSSEC key: ${reason}`),
  dnssecKeyWrite: defineError('MERIDIAN_DNSSEC_KEY_WRITE', (file: string, reason: string) => `cannot write the DNSSEC key ${file}: ${reason}`),
  dnssecKeyDirectory: defineError(
    'MERIDIAN_DNSSEC_KEY_DIRECTORY',
    (zone: string, dir: string, problems: string) => `the DNSSEC keys of ${zone} in ${dir} are not usable:\n${problems}`,
  ),
} as const;
