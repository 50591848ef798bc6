import { describe, expect, it } from 'vitest';
import { applyDefaults, pruneUnknown, validateSchema, type JsonSchema } from './schema';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['version'],
      properties: {
        version: { type: 'string', pattern: '^[0-9.]+$' },
        name: { type: 'string', minLength: 2, maxLength: 4 },
        replicas: { type: 'integer', minimum: 1, maximum: 9 },
        mode: { type: 'string', enum: ['A', 'B'] },
        tags: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
        size: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          pattern: '^[0-9]+Gi$',
        },
        note: { type: 'string', nullable: true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        health: {
          type: 'object',
          default: { period: 10 },
          properties: { period: { type: 'integer' }, timeout: { type: 'integer', default: 5 } },
        },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port'],
          items: {
            type: 'object',
            properties: { port: { type: 'integer' }, name: { type: 'string', default: 'p' } },
          },
        },
      },
    },
  },
};

const errs = (spec: Record<string, unknown>) =>
  validateSchema({ spec }, schema).map((e) => `${e.reason} ${e.field}: ${e.message}`);

describe('structural schema validation', () => {
  it('phrases each kind of violation as the API server does', () => {
    expect(errs({})).toEqual(['FieldValueRequired spec.version: Required value']);
    expect(errs({ version: 'x' })).toEqual([
      `FieldValueInvalid spec.version: Invalid value: "x": spec.version in body should match '^[0-9.]+$'`,
    ]);
    expect(errs({ version: '1', name: 'a' })).toEqual([
      'FieldValueInvalid spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    ]);
    expect(errs({ version: '1', name: 'abcde' })).toEqual([
      'FieldValueTooLong spec.name: Too long: may not be more than 4 bytes',
    ]);
    expect(errs({ version: '1', replicas: 0 })).toEqual([
      'FieldValueInvalid spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    ]);
    expect(errs({ version: '1', replicas: 10 })).toEqual([
      'FieldValueInvalid spec.replicas: Invalid value: 10: spec.replicas in body should be less than or equal to 9',
    ]);
    expect(errs({ version: '1', replicas: 1.5 })).toEqual([
      'FieldValueTypeInvalid spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    ]);
    expect(errs({ version: '1', mode: 'C' })).toEqual([
      'FieldValueNotSupported spec.mode: Unsupported value: "C": supported values: "A", "B"',
    ]);
    expect(errs({ version: '1', tags: [] })).toEqual([
      'FieldValueInvalid spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items',
    ]);
    expect(errs({ version: '1', tags: ['a', 'b', 'c'] })).toEqual([
      'FieldValueTooMany spec.tags: Too many: 3: must have at most 2 items',
    ]);
    expect(errs({ version: '1', tags: [1] })).toEqual([
      'FieldValueTypeInvalid spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"',
    ]);
    expect(errs({ version: '1', labels: { a: 1 } })).toEqual([
      'FieldValueTypeInvalid spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    ]);
    expect(errs({ version: '1', ports: [{ port: 1 }, { port: 1 }] })[0]).toMatch(
      /^FieldValueDuplicate spec.ports\[1\]/,
    );
  });

  it('accepts int-or-string, nullable and preserved fields', () => {
    expect(errs({ version: '1', size: 10 })).toEqual([]);
    expect(errs({ version: '1', size: '10Gi' })).toEqual([]);
    expect(errs({ version: '1', size: '10 GB' })).toHaveLength(1);
    expect(errs({ version: '1', size: true })[0]).toMatch(/^FieldValueTypeInvalid spec.size/);
    expect(errs({ version: '1', note: null })).toEqual([]);
    expect(errs({ version: '1', name: null })[0]).toMatch(/^FieldValueTypeInvalid spec.name/);
    expect(errs({ version: '1', free: { anything: [1, { deep: true }] } })).toEqual([]);
  });

  it('prunes unknown fields but keeps preserved ones, maps and embedded object metadata', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', labels: { a: 'b' } },
      spec: {
        version: '1',
        bogus: 1,
        free: { kept: 1 },
        labels: { any: 'x' },
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { a: 'x', b: 'y' },
        },
      },
      extra: true,
    };
    expect(pruneUnknown(obj, schema).sort()).toEqual([
      '.extra',
      '.spec.bogus',
      '.spec.template.spec.b',
    ]);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', labels: { a: 'b' } },
      spec: {
        version: '1',
        free: { kept: 1 },
        labels: { any: 'x' },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } },
      },
    });
  });

  it('applies defaults, including nested defaults inside defaulted objects and list items', () => {
    const obj: Record<string, unknown> = {
      spec: { version: '1', ports: [{ port: 80 }, { port: 81, name: 'x' }] },
    };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({
      version: '1',
      health: { period: 10, timeout: 5 },
      ports: [
        { port: 80, name: 'p' },
        { port: 81, name: 'x' },
      ],
    });
  });
});
