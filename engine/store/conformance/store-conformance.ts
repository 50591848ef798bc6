import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../base/errors';
import type { Store } from '../index';
import { runCrudConformance } from './crud-conformance';
import { Fixtures } from './fixtures';
import { runLogConformance } from './log-conformance';
import { runQueryConformance } from './query-conformance';

/** What a suite section needs: the store and fixtures of the running test. */
export interface ConformanceContext {
  store(): Store;
  fx(): Fixtures;
  /** The running test's "now" (epoch ms), which the fixtures' times are relative to. */
  now(): number;
  options: StoreConformanceOptions;
}

/** What an adapter promises beyond the port's minimum. */
export interface StoreConformanceOptions {
  /** `transaction` rolls back every write when its function throws (SQLite yes, MongoDB best-effort no). */
  atomicTransactions: boolean;
  /** Where "now" comes from; the system clock by default. */
  now?: () => number;
}

/**
 * The behaviour every `Store` implementation must show. `open` must return an empty store (a new
 * file, a new MongoDB database); the suite closes it after each test.
 */
export function runStoreConformance(
  name: string,
  open: () => Promise<Store>,
  options: StoreConformanceOptions = { atomicTransactions: true },
): void {
  describe(`${name} store conformance`, () => {
    let store: Store | undefined;
    const clock = options.now ?? (() => Date.now());
    let now = clock();
    let fixtures = new Fixtures(now);
    const context: ConformanceContext = {
      store: () => {
        if (!store) throw new Error('no store is open');
        return store;
      },
      fx: () => fixtures,
      now: () => now,
      options,
    };

    beforeEach(async () => {
      now = clock();
      fixtures = new Fixtures(now);
      store = await open();
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    runCrudConformance(context);
    runQueryConformance(context);
    runLogConformance(context);

    describe('lifecycle', () => {
      it('answers ping while open', async () => {
        await expect(context.store().ping()).resolves.toBeUndefined();
      });

      it('refuses calls after close with an EngineError, and closing twice is harmless', async () => {
        const current = context.store();
        await current.close();
        await current.close();
        await expect(current.databases.find('db-1')).rejects.toBeInstanceOf(EngineError);
        await expect(current.ping()).rejects.toBeInstanceOf(EngineError);
      });
    });
  });
}
