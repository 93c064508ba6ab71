import { describe, expect, it } from 'vitest';
import { ComposeError, loadCompose } from './compose.ts';
import { convertCompose, durationNs, splitCommand, type ConvertProblem } from './convert.ts';
import { interpolate, type InterpolationProblem } from './interpolate.ts';

describe('interpolation', () => {
  const run = (value: unknown, vars: Record<string, string>) => {
    const problems: InterpolationProblem[] = [];
    return { out: interpolate(value, vars, problems), problems };
  };
  it('substitutes the compose forms and keeps $$ as a dollar', () => {
    const { out, problems } = run({ a: '${A} $B ${C:-dflt} ${D-x} $$HOME', list: ['${A}'] }, { A: '1', B: '2', D: '' });
    expect(problems).toEqual([]);
    expect(out).toEqual({ a: '1 2 dflt  $HOME', list: ['1'] });
  });
  it('reports an unset variable and a required one with their paths', () => {
    const { problems } = run({ services: { web: { image: 'x:${TAG}', environment: ['K=${NEED:?set NEED}'] } } }, {});
    expect(problems).toEqual([
      {
        path: '/services/web/image',
        message: "variable TAG is not set (declare it in the stack's variables or the environment's)",
      },
      { path: '/services/web/environment/0', message: 'required variable NEED is not set: set NEED' },
    ]);
  });
});

describe('compose loading', () => {
  it('validates against the compose specification schema and names the offending path', () => {
    const text = 'services:\n  web:\n    image: [busybox]\n    bogus: 1\n';
    let error: unknown;
    try {
      loadCompose('web.yaml', {}, { text });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ComposeError);
    const problems = (error as ComposeError).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    expect(problems).toContain('web.yaml: /services/web: must NOT have additional properties (bogus)');
    expect(problems).toContain('web.yaml: /services/web/image: must be string');
  });
  it('accepts a valid file after interpolation', () => {
    const doc = loadCompose('ok.yaml', { TAG: '1.2' }, { text: 'services:\n  web:\n    image: "busybox:${TAG}"\n' });
    expect(doc.services.web.image).toBe('busybox:1.2');
  });
});

describe('conversion to Swarm services', () => {
  const doc = loadCompose(
    'w.yaml',
    {},
    {
      text: `
services:
  web:
    image: busybox:1
    command: sh -c "echo 'hi there'"
    environment: { B: "2", A: "1" }
    init: true
    stop_grace_period: 1s500ms
    ports: ["8080:80", { target: 81, published: 8081, mode: host }]
    labels: { c: d }
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      labels: { traefik.enable: "true" }
      resources: { limits: { cpus: "0.5" } }
`,
    },
  );
  it('gives the names and labels docker stack deploy uses, with the environment replicas', () => {
    const problems: ConvertProblem[] = [];
    const stack = convertCompose(doc, { namespace: 'whoami-testing', replicas: { web: 1 } }, problems);
    const web = stack.services[0]!;
    expect(web.Name).toBe('whoami-testing_web');
    expect(web.Labels).toEqual({
      'com.docker.stack.image': 'busybox:1',
      'com.docker.stack.namespace': 'whoami-testing',
      'traefik.enable': 'true',
    });
    expect(web.TaskTemplate.ContainerSpec).toMatchObject({
      Image: 'busybox:1',
      Args: ['sh', '-c', "echo 'hi there'"],
      Env: ['A=1', 'B=2'],
      Init: true,
      StopGracePeriod: 1_500_000_000,
      Labels: { c: 'd', 'com.docker.stack.namespace': 'whoami-testing' },
    });
    expect(web.TaskTemplate.Networks).toEqual([{ Target: 'whoami-testing_default', Aliases: ['web'] }]);
    expect(web.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(web.EndpointSpec).toEqual({
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
        { Protocol: 'tcp', TargetPort: 81, PublishedPort: 8081, PublishMode: 'host' },
      ],
    });
    expect(stack.networks).toEqual([
      {
        name: 'whoami-testing_default',
        external: false,
        attachable: false,
        encrypted: false,
        labels: { 'com.docker.stack.namespace': 'whoami-testing' },
      },
    ]);
    // A key Phoenix does not translate is reported, not silently dropped.
    expect(problems).toEqual([
      { path: '/services/web/deploy/resources', message: "not supported by Phoenix's Swarm deploy" },
    ]);
  });
  it('reports values the schema lets through as strings but Swarm cannot use', () => {
    const odd = loadCompose(
      'o.yaml',
      {},
      {
        text: 'services:\n  web:\n    image: busybox\n    deploy: { replicas: many, mode: sideways, endpoint_mode: fast }\n',
      },
    );
    const problems: ConvertProblem[] = [];
    convertCompose(odd, { namespace: 'o-testing', replicas: {} }, problems);
    expect(problems).toEqual([
      { path: '/services/web/deploy/mode', message: 'must be "replicated" or "global"' },
      { path: '/services/web/deploy/endpoint_mode', message: 'must be "vip" or "dnsrr"' },
      { path: '/services/web/deploy/replicas', message: 'must be a whole number, got "many"' },
    ]);
  });
  it('splits commands and parses durations like compose', () => {
    expect(splitCommand(`--name "a b" 'c'  d`)).toEqual(['--name', 'a b', 'c', 'd']);
    expect(durationNs('1m30s')).toBe(90e9);
    expect(() => durationNs('soon')).toThrow(/invalid duration/);
  });
});

describe('volumes', () => {
  it('maps bind mounts and stack volumes the way docker stack deploy names them', () => {
    const doc = loadCompose(
      'v.yaml',
      {},
      {
        text: 'services:\n  web:\n    image: busybox\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro", "data:/data", { type: volume, source: ext, target: /ext }]\nvolumes:\n  data: {}\n  ext: { external: true, name: shared }\n',
      },
    );
    const problems: ConvertProblem[] = [];
    const web = convertCompose(doc, { namespace: 'p-production', replicas: {} }, problems).services[0]!;
    expect(problems).toEqual([]);
    expect(web.TaskTemplate.ContainerSpec.Mounts).toEqual([
      { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true },
      {
        Type: 'volume',
        Source: 'p-production_data',
        Target: '/data',
        ReadOnly: false,
        VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'p-production' } },
      },
      {
        Type: 'volume',
        Source: 'shared',
        Target: '/ext',
        ReadOnly: false,
        VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'p-production' } },
      },
    ]);
  });
  it('reports an undeclared named volume', () => {
    const doc = loadCompose(
      'v.yaml',
      {},
      { text: 'services:\n  web:\n    image: busybox\n    volumes: ["data:/data"]\n' },
    );
    const problems: ConvertProblem[] = [];
    convertCompose(doc, { namespace: 'p-testing', replicas: {} }, problems);
    expect(problems).toEqual([
      { path: '/services/web/volumes/0', message: 'volume "data" is not declared in the top-level volumes' },
    ]);
  });
});
