import { request } from 'node:https';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from './client.ts';
import { dockerdAvailable, startDockerdCluster, type DockerdCluster } from './_test-dockerd.ts';
import { daemonJson } from './daemon-json.ts';

describe('daemon.json', () => {
  it('exposes TCP only with TLS and client certificates required', () => {
    const config = daemonJson({
      tls: { ca: '/etc/docker/ca.pem', cert: '/etc/docker/cert.pem', key: '/etc/docker/key.pem' },
    });
    expect(config).toMatchObject({
      tls: true,
      tlsverify: true,
      hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
    });
  });
  it('refuses extra settings that would reopen the listeners or TLS', () => {
    expect(() =>
      daemonJson({ tls: { ca: 'a', cert: 'b', key: 'c' }, extra: { hosts: ['tcp://0.0.0.0:2375'] } }),
    ).toThrow(/hosts is managed/);
    expect(() => daemonJson({ tls: { ca: 'a', cert: 'b', key: 'c' }, extra: { tlsverify: false } })).toThrow(
      /tlsverify is managed/,
    );
  });
});

describe.skipIf(!dockerdAvailable())('real dockerd over TLS', () => {
  let cluster: DockerdCluster;
  beforeAll(async () => {
    cluster = await startDockerdCluster(1);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('answers Phoenix with its client certificate', async () => {
    const info = await cluster.nodes[0]!.client.info();
    expect(info.Name).toBe('node1');
  });

  it('reaches the daemon through a dialer, with TLS end to end', async () => {
    const node = cluster.nodes[0]!;
    const dialed: string[] = [];
    const client = new DockerClient({
      host: node.ip,
      port: 2376,
      tls: { ca: cluster.tls.ca, ...cluster.tls.client },
      dial: (host, port) =>
        new Promise((resolve, reject) => {
          dialed.push(`${host}:${port}`);
          const socket = connect(port, host, () => resolve(socket));
          socket.once('error', reject);
        }),
    });
    expect((await client.info()).Name).toBe('node1');
    expect(dialed).toEqual([`${node.ip}:2376`]);
    // A dialer that fails is the client's error, not a hang.
    const broken = new DockerClient({
      host: node.ip,
      port: 2376,
      tls: { ca: cluster.tls.ca, ...cluster.tls.client },
      dial: () => Promise.reject(Object.assign(new Error('tunnel down'), { code: 'ECONNREFUSED' })),
    });
    await expect(broken.info()).rejects.toMatchObject({ message: 'docker info: tunnel down', retryable: true });
  });

  it('refuses a client without a certificate', async () => {
    const node = cluster.nodes[0]!;
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        { host: node.ip, port: 2376, path: '/v1.41/info', ca: cluster.tls.ca, timeout: 10_000 },
        (res) => resolve(`status ${res.statusCode}`),
      );
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error .*(certificate|handshake|socket hang up|ECONNRESET)/i);
    // Nor does the Docker client library get in without one.
    const anonymous = new DockerClient({ host: node.ip, port: 2376, tls: { ca: cluster.tls.ca, cert: '', key: '' } });
    await expect(anonymous.info()).rejects.toThrow();
  });
});
