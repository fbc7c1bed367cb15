// The adapter between reflectors and a real API server, through @kubernetes/client-node: typed list calls,
// and its Watch for the chunked watch stream.

import { CoreV1Api, CustomObjectsApi, KubeConfig, NetworkingV1Api, Watch } from '@kubernetes/client-node';
import type { ListResult, ResourceClient } from './reflector.js';

import type { ClusterSource, WatchedResource } from './resources.js';
import { Errors } from '../../base/errors.js';

export interface ResourceClientOptions {
  /** Restrict to one namespace; all namespaces when omitted. */
  readonly namespace?: string;
  /** End a watch that has been silent this long (a half-open connection never closes by itself). */
  readonly inactivityMs: number;
  readonly random?: () => number;
}

/**
 * One KubeConfig per cluster, with its context fixed once here: client-node's Watch reads the current
 * context again on every request, so switching it later would silently point a watch at another cluster.
 */
export function loadKubeConfig(source: ClusterSource): KubeConfig {
  const config = new KubeConfig();
  if (source.inCluster === true) {
    config.loadFromCluster();
  } else {
    config.loadFromFile(source.kubeconfig!);
    if (source.context !== undefined) config.setCurrentContext(source.context);
  }
  if (config.getCurrentCluster() === null)
    throw Errors.kubeconfig([source.context === undefined ? 'the kubeconfig has no current cluster' : `the kubeconfig has no context '${source.context}'`]);
  return config;
}

const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' } as const;

function watchPath(resource: WatchedResource, namespace: string | undefined): string {
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  switch (resource) {
    case 'ingresses':
      return `/apis/networking.k8s.io/v1${scope}/ingresses`;
    case 'services':
      return `/api/v1${scope}/services`;
    case 'gateways':
      return `/apis/${GATEWAY.group}/${GATEWAY.version}${scope}/${GATEWAY.plural}`;
  }
}

interface ListLike {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items?: readonly unknown[];
}

function listOf(result: ListLike): ListResult {
  return { resourceVersion: result.metadata?.resourceVersion ?? '', items: result.items ?? [] };
}

export function createResourceClient(config: KubeConfig, resource: WatchedResource, options: ResourceClientOptions): ResourceClient {
  const namespace = options.namespace;
  const random = options.random ?? Math.random;
  let list: () => Promise<ListResult>;
  switch (resource) {
    case 'ingresses': {
      const api = config.makeApiClient(NetworkingV1Api);
      list = async () => listOf(namespace === undefined ? await api.listIngressForAllNamespaces() : await api.listNamespacedIngress({ namespace }));
      break;
    }
    case 'services': {
      const api = config.makeApiClient(CoreV1Api);
      list = async () => listOf(namespace === undefined ? await api.listServiceForAllNamespaces() : await api.listNamespacedService({ namespace }));
      break;
    }
    case 'gateways': {
      const api = config.makeApiClient(CustomObjectsApi);
      list = async () =>
        listOf(
          (namespace === undefined
            ? await api.listClusterCustomObject({ ...GATEWAY })
            : await api.listNamespacedCustomObject({ ...GATEWAY, namespace })) as ListLike,
        );
      break;
    }
  }
  const path = watchPath(resource, namespace);
  return {
    list,
    async watch(resourceVersion, sink) {
      const watch = new Watch(config);
      // Watch ends a request after 30 s without data. The field is private in 2.0.1 with no option to set it,
      // so it is set here: the inactivity timeout must be ours to choose.
      Object.assign(watch, { requestTimeoutMs: options.inactivityMs });
      const controller = await watch.watch(
        path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          // As client-go does: ask the server to end the watch after 5 to 10 minutes, so connections are
          // refreshed (and rebalanced across API servers) regularly.
          timeoutSeconds: Math.round(300 * (1 + random())),
        },
        (type: string, object: unknown) => sink.event(type, object),
        (error: unknown) => sink.done(error ?? undefined),
      );
      return { abort: () => controller.abort() };
    },
  };
}
