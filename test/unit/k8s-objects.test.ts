// Kubernetes objects → ExposedObject: realistic API-server output from test/fixtures/kubernetes, malformed
// input that must be treated as absent, and the host-matching and reference-parsing helpers.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  V1Ingress,
  V1IngressLoadBalancerIngress,
  V1IngressLoadBalancerStatus,
  V1IngressRule,
  V1IngressSpec,
  V1IngressStatus,
  V1LoadBalancerIngress,
  V1LoadBalancerStatus,
  V1ObjectMeta,
  V1Service,
  V1ServiceSpec,
  V1ServiceStatus,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  endpointsFromGateway,
  endpointsFromIngress,
  endpointsFromService,
  hostMatches,
  parseObjectRef,
  type ExposedObject,
  type GatewayObject,
  type IngressObject,
  type ObjectRef,
  type ServiceObject,
} from '../../src/discovery/kubernetes/objects.js';

// Compiled tests run from dist/test/unit: the repository root is three levels up.
const repoRoot = new URL('../../../', import.meta.url);

/** One fixture object, deep-frozen so that a function writing to its input throws instead of passing. */
function fixture(file: string): unknown {
  return deepFreeze(parse(readFileSync(new URL(`test/fixtures/kubernetes/${file}`, repoRoot), 'utf8')));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

type Translate = (object: unknown) => ExposedObject | undefined;
const fromIngress: Translate = (object) => endpointsFromIngress(object as IngressObject);
const fromService: Translate = (object) => endpointsFromService(object as ServiceObject);
const fromGateway: Translate = (object) => endpointsFromGateway(object as GatewayObject);

function endpoint(kind: ExposedObject['kind'], ref: string, parts: { hosts?: string[]; ips?: string[]; hostnames?: string[] } = {}): ExposedObject {
  const [namespace = '', name = ''] = ref.split('/');
  return { kind, ref: { namespace, name }, hosts: parts.hosts ?? [], ips: parts.ips ?? [], hostnames: parts.hostnames ?? [] };
}

describe('endpoints from fixture objects', () => {
  const cases: Array<[file: string, translate: Translate, expected: ExposedObject | undefined]> = [
    ['ingress-nginx-ip.yaml', fromIngress, endpoint('Ingress', 'shop/web', { hosts: ['shop.example.com'], ips: ['203.0.113.10'] })],
    [
      'ingress-aws-elb-hostname.yaml',
      fromIngress,
      endpoint('Ingress', 'payments/api', {
        hosts: ['api.payments.example.com'],
        hostnames: ['a1b2c3d4e5f60718293a4b5c6d7e8f90-1234567890.eu-west-1.elb.amazonaws.com'],
      }),
    ],
    ['ingress-dual-stack.yaml', fromIngress, endpoint('Ingress', 'web/docs', { hosts: ['docs.example.com'], ips: ['198.51.100.7', '2001:db8::7'] })],
    ['ingress-pending.yaml', fromIngress, endpoint('Ingress', 'marketing/blog', { hosts: ['blog.example.com'] })],
    // Duplicate rule hosts once, the host-less catch-all rule and the TLS-only host not at all.
    [
      'ingress-multi-host.yaml',
      fromIngress,
      endpoint('Ingress', 'default/tenants', {
        hosts: ['app.example.com', '*.tenants.example.com', 'admin.example.com'],
        ips: ['192.0.2.20', '192.0.2.21'],
      }),
    ],
    [
      'ingress-junk-status.yaml',
      fromIngress,
      endpoint('Ingress', 'ops/legacy', {
        hosts: ['legacy.example.com'],
        ips: ['192.0.2.30', '2001:db8::30'],
        hostnames: ['legacy-lb.elb.example.com'],
      }),
    ],
    ['service-loadbalancer-ip.yaml', fromService, endpoint('Service', 'games/game-udp', { ips: ['34.120.8.91'] })],
    ['service-clusterip.yaml', fromService, undefined],
    [
      'service-loadbalancer-hostname.yaml',
      fromService,
      endpoint('Service', 'iot/mqtt', {
        hostnames: ['k8s-iot-mqtt-3c1f9a7e2b-0a1b2c3d4e5f6a7b.elb.eu-central-1.amazonaws.com'],
      }),
    ],
    // The untyped address is an IPAddress by default; the implementation-specific pool is ignored.
    [
      'gateway-addresses.yaml',
      fromGateway,
      endpoint('Gateway', 'gateways/edge', {
        hosts: ['www.example.com', '*.apps.example.com'],
        ips: ['203.0.113.50', '2001:db8::50'],
        hostnames: ['edge-gw.lb.example.net'],
      }),
    ],
    ['gateway-pending.yaml', fromGateway, endpoint('Gateway', 'gateways/staging', { hosts: ['staging.example.com'] })],
  ];
  for (const [file, translate, expected] of cases) {
    it(`${file} → ${expected === undefined ? 'nothing' : `${expected.kind} ${expected.ref.namespace}/${expected.ref.name}`}`, () => {
      assert.deepEqual(translate(fixture(file)), expected);
    });
  }
});

describe('endpoints from malformed objects', () => {
  const nothing = (kind: ExposedObject['kind']) => endpoint(kind, 'default/');
  const cases: Array<[description: string, translate: Translate, input: unknown, expected: ExposedObject | undefined]> = [
    ['Ingress: null', fromIngress, null, nothing('Ingress')],
    ['Ingress: undefined', fromIngress, undefined, nothing('Ingress')],
    ['Ingress: a number', fromIngress, 42, nothing('Ingress')],
    ['Ingress: a string', fromIngress, 'ingress', nothing('Ingress')],
    ['Ingress: an array', fromIngress, [{ metadata: { name: 'web' } }], nothing('Ingress')],
    ['Ingress: every section null', fromIngress, { metadata: null, spec: null, status: null }, nothing('Ingress')],
    ['Ingress: metadata of the wrong types', fromIngress, { metadata: { name: 7, namespace: ['shop'] } }, nothing('Ingress')],
    ['Ingress: empty namespace means default', fromIngress, { metadata: { name: 'web', namespace: '' } }, endpoint('Ingress', 'default/web')],
    ['Ingress: no namespace means default', fromIngress, { metadata: { name: 'web' } }, endpoint('Ingress', 'default/web')],
    [
      'Ingress: rules and status ingress that are not lists',
      fromIngress,
      { spec: { rules: { host: 'a.example.com' } }, status: { loadBalancer: { ingress: { ip: '192.0.2.1' } } } },
      nothing('Ingress'),
    ],
    ['Ingress: loadBalancer null', fromIngress, { status: { loadBalancer: null } }, nothing('Ingress')],
    [
      'Ingress: junk rule hosts dropped, valid one normalised',
      fromIngress,
      {
        spec: {
          rules: [
            null,
            5,
            { host: 5 },
            { host: null },
            { host: '' },
            { host: '192.0.2.1' },
            { host: '*' },
            { host: 'a.*.example.com' },
            { host: 'bad_host name' },
            { host: 'App.Example.COM.' },
          ],
        },
      },
      endpoint('Ingress', 'default/', { hosts: ['app.example.com'] }),
    ],
    [
      'Ingress: one status entry with both ip and hostname',
      fromIngress,
      { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', hostname: 'lb.example.net' }] } } },
      endpoint('Ingress', 'default/', { ips: ['192.0.2.1'], hostnames: ['lb.example.net'] }),
    ],
    ['Service: null', fromService, null, undefined],
    ['Service: no spec', fromService, { metadata: { name: 'web' } }, undefined],
    ['Service: NodePort', fromService, { spec: { type: 'NodePort' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, undefined],
    ['Service: ExternalName', fromService, { spec: { type: 'ExternalName' } }, undefined],
    ['Service: type is case-sensitive', fromService, { spec: { type: 'loadbalancer' } }, undefined],
    ['Service: LoadBalancer with a status that is a string', fromService, { spec: { type: 'LoadBalancer' }, status: 'pending' }, nothing('Service')],
    ['Gateway: null', fromGateway, null, nothing('Gateway')],
    [
      'Gateway: listeners and addresses that are not lists',
      fromGateway,
      { spec: { listeners: 'http' }, status: { addresses: { value: '192.0.2.1' } } },
      nothing('Gateway'),
    ],
    [
      'Gateway: null or wrong-typed type means IPAddress; mismatched values dropped',
      fromGateway,
      {
        status: {
          addresses: [
            null,
            { type: null, value: '192.0.2.1' },
            { type: 42, value: '192.0.2.2' },
            { type: '', value: '192.0.2.3' },
            { type: 'Hostname', value: '192.0.2.4' },
            { type: 'IPAddress', value: 'gw.example.com' },
            { type: 'IPAddress', value: 5 },
            { type: 'Hostname', value: null },
            { type: 'Hostname', value: 'GW.Example.NET.' },
            { type: 'NamedAddress', value: 'pool' },
          ],
        },
      },
      endpoint('Gateway', 'default/', { ips: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], hostnames: ['gw.example.net'] }),
    ],
    [
      'Gateway: listener hostnames of the wrong types',
      fromGateway,
      { spec: { listeners: [null, { hostname: 443 }, { hostname: '' }, { hostname: '*.Example.com' }] } },
      endpoint('Gateway', 'default/', { hosts: ['*.example.com'] }),
    ],
  ];
  for (const [description, translate, input, expected] of cases) {
    it(description, () => assert.deepEqual(translate(deepFreeze(input)), expected));
  }
});

describe('endpoints from @kubernetes/client-node class instances', () => {
  // Compiling these calls also checks that the client's model classes fit the structural shapes.
  it('reads a V1Ingress built from the client models', () => {
    const ingress: V1Ingress = Object.assign(new V1Ingress(), {
      metadata: Object.assign(new V1ObjectMeta(), { name: 'web', namespace: 'shop' }),
      spec: Object.assign(new V1IngressSpec(), { rules: [Object.assign(new V1IngressRule(), { host: 'shop.example.com' })] }),
      status: Object.assign(new V1IngressStatus(), {
        loadBalancer: Object.assign(new V1IngressLoadBalancerStatus(), {
          ingress: [Object.assign(new V1IngressLoadBalancerIngress(), { ip: '203.0.113.10' })],
        }),
      }),
    });
    assert.deepEqual(endpointsFromIngress(ingress), endpoint('Ingress', 'shop/web', { hosts: ['shop.example.com'], ips: ['203.0.113.10'] }));
  });

  it('reads a V1Service built from the client models', () => {
    const service: V1Service = Object.assign(new V1Service(), {
      metadata: Object.assign(new V1ObjectMeta(), { name: 'mqtt', namespace: 'iot' }),
      spec: Object.assign(new V1ServiceSpec(), { type: 'LoadBalancer' }),
      status: Object.assign(new V1ServiceStatus(), {
        loadBalancer: Object.assign(new V1LoadBalancerStatus(), {
          ingress: [Object.assign(new V1LoadBalancerIngress(), { hostname: 'mqtt.elb.example.net' })],
        }),
      }),
    });
    assert.deepEqual(endpointsFromService(service), endpoint('Service', 'iot/mqtt', { hostnames: ['mqtt.elb.example.net'] }));
  });
});

describe('hostMatches', () => {
  const cases: Array<[pattern: string, host: string, expected: boolean]> = [
    ['shop.example.com', 'shop.example.com', true],
    ['Shop.Example.com', 'shop.EXAMPLE.com', true],
    ['shop.example.com.', 'shop.example.com', true],
    ['shop.example.com', 'shop.example.com.', true],
    ['shop.example.com', 'www.example.com', false],
    ['shop.example.com', 'a.shop.example.com', false],
    ['shop.example.com', 'example.com', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'A.Example.Com.', true],
    ['*.Example.com.', 'a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'aexample.com', false],
    ['*.example.com', '.example.com', false],
    ['*.example.com', 'a.example.org', false],
    ['*.example.com', '*.example.com', true],
    ['a.example.com', '*.example.com', false],
    ['a.*.example.com', 'a.b.example.com', false],
    ['*', 'example', false],
    ['', 'a.example.com', false],
    ['*.example.com', '', false],
    ['', '', false],
  ];
  for (const [pattern, host, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${host}'`, () => {
      assert.equal(hostMatches(pattern, host), expected);
    });
  }
});

describe('parseObjectRef', () => {
  const longestName = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.'); // 253 characters
  const cases: Array<[text: string, expected: ObjectRef | undefined]> = [
    ['shop/web', { namespace: 'shop', name: 'web' }],
    ['kube-system/ingress-nginx-controller', { namespace: 'kube-system', name: 'ingress-nginx-controller' }],
    ['default/web.v2', { namespace: 'default', name: 'web.v2' }],
    ['0/1', { namespace: '0', name: '1' }],
    [`${'n'.repeat(63)}/web`, { namespace: 'n'.repeat(63), name: 'web' }],
    [`shop/${longestName}`, { namespace: 'shop', name: longestName }],
    ['', undefined],
    ['web', undefined],
    ['/web', undefined],
    ['shop/', undefined],
    ['/', undefined],
    ['shop/web/extra', undefined],
    ['Shop/web', undefined],
    ['shop/Web', undefined],
    [' shop/web', undefined],
    ['shop/web ', undefined],
    ['sh_op/web', undefined],
    ['-shop/web', undefined],
    ['shop/web-', undefined],
    ['shop.eu/web', undefined],
    ['shop/web..v2', undefined],
    ['shop/.web', undefined],
    [`${'n'.repeat(64)}/web`, undefined],
    [`shop/${longestName}d`, undefined],
  ];
  const brief = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}...` : text);
  for (const [text, expected] of cases) {
    it(`'${brief(text)}' → ${expected === undefined ? 'undefined' : `{ ${brief(expected.namespace)}, ${brief(expected.name)} }`}`, () => {
      assert.deepEqual(parseObjectRef(text), expected);
    });
  }
});
