import { describe, expect, it } from 'vitest';
import { parseBridgeRequest } from './ipc';

describe('parseBridgeRequest', () => {
  it('accepts an API request and keeps only method, url and body', () => {
    expect(
      parseBridgeRequest({
        method: 'POST',
        url: '/api/v1/databases',
        body: { a: 1 },
        headers: { x: 1 },
      }),
    ).toEqual({
      method: 'POST',
      url: '/api/v1/databases',
      body: { a: 1 },
    });
  });

  it.each([
    [null],
    ['GET /api/v1/health'],
    [{ method: 'CONNECT', url: '/api/v1/health' }],
    [{ method: 'GET', url: 'https://example.com/api/v1' }],
    [{ method: 'GET', url: '/api/v1/../../etc' }],
    [{ method: 'GET', url: '/metrics' }],
  ])('refuses %j', (value) => {
    expect(parseBridgeRequest(value)).toBeNull();
  });
});
