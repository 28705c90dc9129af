import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/**
 * The compose files cannot be run here (no container engine), so they are parsed and checked for what matters:
 * the right image, variables and data path per server; a store healthy only once it is LEADER (its healthcheck
 * command is run against a fake `/info`); the service waiting for that and restarting on failure.
 */
interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const load = (file: string) => parse(readFileSync(join(__dirname, '../../docker', file), 'utf8')) as Compose;

const FILES = [
  {
    file: 'docker-compose.yml',
    store: 'eventstore',
    image: /^eventstore\/eventstore:24\.10/,
    prefix: 'EVENTSTORE_',
    data: '/var/lib/eventstore',
  },
  {
    file: 'docker-compose.kurrentdb.yml',
    store: 'kurrentdb',
    image: /^docker\.kurrent\.io\/kurrent-latest\/kurrentdb:25\./,
    prefix: 'KURRENTDB_',
    data: '/var/lib/kurrentdb',
  },
];

/** Runs the healthcheck's shell command with localhost:2113 pointed at a server answering `/info` with `info`. */
async function healthcheckPasses(command: string, info: unknown): Promise<boolean> {
  const server = createServer((req, res) => {
    if (req.url !== '/info') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    await promisify(execFile)('sh', ['-c', command.replace('localhost:2113', `127.0.0.1:${port}`)]);
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

describe.each(FILES)('docker/$file', ({ file, store, image, prefix, data }) => {
  const compose = load(file);
  const db = compose.services[store];
  const lead = compose.services.lead;

  it('runs the right server image with its own variables and a named volume at its data path', () => {
    expect(db.image).toMatch(image);
    const names = Object.keys(db.environment ?? {});
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.startsWith(prefix)).toBe(true);
    const dataVolume = db.volumes!.find((v) => v.endsWith(`:${data}`));
    expect(dataVolume).toBeDefined();
    // Named, declared: an anonymous volume would be lost with the container.
    expect(compose.volumes).toHaveProperty(dataVolume!.split(':')[0]);
  });

  it('runs the system projections, which `$by_correlation_id` needs (the service writes `$correlationId`)', () => {
    expect(db.environment![`${prefix}RUN_PROJECTIONS`]).toMatch(/^(System|All)$/);
    expect(db.environment![`${prefix}START_STANDARD_PROJECTIONS`]).toBe('true');
  });

  it('is healthy only once the node is the leader, not merely live', async () => {
    const [kind, command] = db.healthcheck!.test;
    expect(kind).toBe('CMD-SHELL');
    expect(command).not.toMatch(/health\/live/);
    expect(await healthcheckPasses(command, { esVersion: '24.10.0', state: 'leader' })).toBe(true);
    expect(await healthcheckPasses(command, { esVersion: '24.10.0', state: 'follower' })).toBe(false);
    expect(await healthcheckPasses(command, { esVersion: '24.10.0', state: 'preleader' })).toBe(false);
    expect(await healthcheckPasses(command, { esVersion: '24.10.0', state: 'unknown' })).toBe(false);
  });

  it('starts the service after the store is healthy, pointed at it, restarting on failure', () => {
    expect(lead.depends_on?.[store]?.condition).toBe('service_healthy');
    expect(lead.restart).toBe('on-failure');
    expect(lead.environment?.LEAD_STORE).toBe('eventstoredb');
    expect(lead.environment?.LEAD_EVENTSTOREDB_URL).toMatch(new RegExp(`^esdb://${store}:2113`));
  });
});
