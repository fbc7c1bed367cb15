// Which clusters Meridian watches: from the command line (--cluster NAME=KUBECONFIG[#CONTEXT], --in-cluster
// NAME) and from the environment, so a Deployment can mount a Secret of kubeconfigs and name them in env.

import { Errors } from '../../base/errors.js';
import type { ClusterSource } from './resources.js';

export interface ClusterRegistration {
  readonly name: string;
  readonly source: ClusterSource;
}

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** "eu-west=/etc/meridian/kubeconfigs/eu-west#admin@eu-west" → a registration. */
export function parseClusterSpec(value: string): ClusterRegistration {
  const match = /^([^=\s]+)=([^#\s]+)(?:#(\S+))?$/.exec(value.trim());
  if (match === null || !CLUSTER_NAME.test(match[1])) throw Errors.badClusterSpec([value]);
  const [, name, kubeconfig, context] = match as unknown as [string, string, string, string | undefined];
  return { name, source: context === undefined ? { kubeconfig } : { kubeconfig, context } };
}

export function inClusterRegistration(name: string): ClusterRegistration {
  if (!CLUSTER_NAME.test(name)) throw Errors.badClusterSpec([name]);
  return { name, source: { inCluster: true } };
}

export interface DiscoverySettings {
  readonly clusters: readonly ClusterRegistration[];
  readonly namespace: string | undefined;
}

/**
 * Environment variables (see docs/kubernetes.md):
 * - MERIDIAN_CLUSTERS: NAME=KUBECONFIG[#CONTEXT] entries separated by commas, spaces or newlines;
 * - MERIDIAN_IN_CLUSTER: the name of the cluster Meridian runs in;
 * - MERIDIAN_NAMESPACE: watch one namespace only.
 * Flags and environment add up; a name registered twice is an error.
 */
export function discoverySettings(
  flags: { readonly cluster?: readonly string[]; readonly inCluster?: string; readonly namespace?: string },
  env: Readonly<Record<string, string | undefined>>,
): DiscoverySettings {
  const clusters: ClusterRegistration[] = [];
  for (const spec of flags.cluster ?? []) clusters.push(parseClusterSpec(spec));
  for (const spec of (env.MERIDIAN_CLUSTERS ?? '').split(/[\s,]+/).filter(Boolean)) clusters.push(parseClusterSpec(spec));
  const inCluster = flags.inCluster ?? (env.MERIDIAN_IN_CLUSTER || undefined);
  if (inCluster !== undefined) clusters.push(inClusterRegistration(inCluster));
  const seen = new Set<string>();
  for (const cluster of clusters) {
    if (seen.has(cluster.name)) throw Errors.duplicateCluster([cluster.name]);
    seen.add(cluster.name);
  }
  return { clusters, namespace: flags.namespace ?? (env.MERIDIAN_NAMESPACE || undefined) };
}
