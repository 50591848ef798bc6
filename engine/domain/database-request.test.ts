import { describe, expect, it } from 'vitest';
import {
  CreateDatabaseRequestSchema,
  DATABASE_NAME_MAX_LENGTH,
  PatchDatabaseRequestSchema,
  checkInput,
  checkPatchAgainst,
  type CreateDatabaseRequestInput,
} from './index';

const valid: CreateDatabaseRequestInput = {
  name: 'orders',
  engine: 'postgres',
  version: '16.4',
  domain: 'acme',
  project: 'shop',
  replicas: 3,
  mode: 'cluster',
  resources: { cpu: '500m', memory: '1Gi' },
  storage: { size: '10Gi', storageClass: 'standard' },
};

function problems(input: unknown) {
  const result = checkInput(CreateDatabaseRequestSchema, input);
  if (result.ok) throw new Error('expected the input to be refused');
  return result.problems;
}

describe('CreateDatabaseRequestSchema', () => {
  it('accepts the API.md example and fills defaults', () => {
    const parsed = CreateDatabaseRequestSchema.parse(valid);
    expect(parsed).toMatchObject({
      deletionPolicy: 'Delete',
      labels: {},
      topology: { standbyMode: 'Hot', streamingMode: 'Asynchronous' },
    });
  });

  it('defaults mode, replicas and resources per engine', () => {
    const parsed = CreateDatabaseRequestSchema.parse({
      ...valid,
      engine: 'elasticsearch',
      version: 'xpack-8.19.9',
      mode: undefined,
      replicas: undefined,
      resources: undefined,
    });
    expect(parsed).toMatchObject({
      mode: 'combined',
      replicas: 1,
      resources: { cpu: '500m', memory: '1536Mi' },
    });
    const redis = CreateDatabaseRequestSchema.parse({
      ...valid,
      engine: 'redis',
      mode: 'cluster',
      replicas: undefined,
    });
    expect(redis).toMatchObject({ replicas: 2, topology: { shards: 3 } });
  });

  it('refuses a name longer than the KubeDB-derived limit, naming the field', () => {
    const [problem] = problems({ ...valid, name: 'a'.repeat(DATABASE_NAME_MAX_LENGTH + 1) });
    expect(problem).toMatchObject({ path: 'name' });
    expect(problem?.message).toMatch(/name must be at most 42 characters/);
    expect(
      CreateDatabaseRequestSchema.safeParse({
        ...valid,
        name: 'a'.repeat(DATABASE_NAME_MAX_LENGTH),
      }).success,
    ).toBe(true);
  });

  it('refuses a name that is not a DNS-1035 label', () => {
    for (const name of ['Orders', '1orders', 'orders-', 'ord_ers']) {
      expect(problems({ ...valid, name })[0]).toMatchObject({
        path: 'name',
        message: expect.stringMatching(/DNS-1035/),
      });
    }
  });

  it('refuses a mode of another engine', () => {
    const [problem] = problems({ ...valid, engine: 'mysql', mode: 'galera' });
    expect(problem).toMatchObject({ path: 'mode', rule: 'custom' });
    expect(problem?.message).toMatch(
      /mode must be one of standalone, group-replication, innodb-cluster for engine mysql/,
    );
  });

  it('refuses replicas over the limit and outside the mode’s range', () => {
    expect(problems({ ...valid, replicas: 10 })[0]).toMatchObject({
      path: 'replicas',
      message: expect.stringMatching(/at most 9/),
    });
    expect(
      problems({ ...valid, engine: 'mysql', mode: 'group-replication', replicas: 2 })[0]?.message,
    ).toMatch(/replicas must be between 3 and 9 for mysql mode group-replication/);
    expect(problems({ ...valid, mode: 'standalone', replicas: 2 })[0]?.message).toMatch(
      /replicas must be exactly 1/,
    );
    expect(problems({ ...valid, engine: 'mariadb', mode: 'galera', replicas: 2 })[0]?.path).toBe(
      'replicas',
    );
  });

  it('refuses topology fields that do not belong to the mode', () => {
    expect(problems({ ...valid, topology: { shards: 3 } })[0]).toMatchObject({
      path: 'topology.shards',
      message: 'topology.shards is not allowed for postgres mode cluster',
    });
    expect(
      problems({
        ...valid,
        engine: 'redis',
        mode: 'cluster',
        replicas: 2,
        topology: { shards: 2 },
      })[0]?.message,
    ).toMatch(/topology.shards must be at least 3/);
  });

  it('refuses bad quantities, naming the field and the rule', () => {
    expect(problems({ ...valid, storage: { size: '10GB' } })[0]).toMatchObject({
      path: 'storage.size',
      message: expect.stringMatching(/storage.size must be a Kubernetes quantity/),
    });
    expect(problems({ ...valid, storage: { size: '11Ti' } })[0]?.message).toMatch(
      /storage.size must be at most 10Ti/,
    );
    expect(problems({ ...valid, storage: { size: '100Mi' } })[0]?.message).toMatch(
      /storage.size must be at least 1Gi/,
    );
    expect(problems({ ...valid, resources: { cpu: 'lots', memory: '1Gi' } })[0]?.path).toBe(
      'resources.cpu',
    );
    expect(problems({ ...valid, resources: { cpu: '500m', memory: '-1Gi' } })[0]?.message).toMatch(
      /resources.memory must be greater than zero/,
    );
  });

  it('refuses an unknown engine and deletion policy', () => {
    expect(problems({ ...valid, engine: 'oracle' })[0]).toMatchObject({
      path: 'engine',
      message: expect.stringMatching(/engine must be one of/),
    });
    expect(problems({ ...valid, deletionPolicy: 'Keep' })[0]?.path).toBe('deletionPolicy');
  });

  it('keeps domain and project short enough for the namespace', () => {
    expect(problems({ ...valid, domain: 'd'.repeat(32) })[0]?.path).toBe('domain');
    expect(problems({ ...valid, project: 'p'.repeat(32) })[0]?.path).toBe('project');
  });
});

describe('PatchDatabaseRequestSchema', () => {
  it('needs at least one change', () => {
    expect(PatchDatabaseRequestSchema.safeParse({}).success).toBe(false);
    expect(PatchDatabaseRequestSchema.parse({ resources: { memory: '2Gi' } })).toEqual({
      resources: { memory: '2Gi' },
    });
  });

  it('checks replicas against the database’s mode', () => {
    expect(
      checkPatchAgainst({ engine: 'mariadb', mode: 'galera' }, { replicas: 2 })[0],
    ).toMatchObject({ path: 'replicas' });
    expect(checkPatchAgainst({ engine: 'mariadb', mode: 'galera' }, { replicas: 5 })).toEqual([]);
  });
});
