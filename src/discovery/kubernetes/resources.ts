// What discovery watches and where a cluster's configuration comes from: plain types, kept apart from the
// client adapter so that nothing loads @kubernetes/client-node (a large library) unless a cluster is registered.

export type WatchedResource = 'ingresses' | 'services' | 'gateways';

export const WATCHED_RESOURCES: readonly WatchedResource[] = ['ingresses', 'services', 'gateways'];

export interface ClusterSource {
  /** A kubeconfig file, and the context to use (its current context when omitted). */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The cluster Meridian runs in, through its service account. */
  readonly inCluster?: boolean;
}
