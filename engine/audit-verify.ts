/**
 * Verifies the audit trail's hash chain in an engine's SQLite store:
 * `npx tsx engine/audit-verify.ts --data-dir DIR`. Exit 0 when the chain is whole, 1 naming the
 * first broken event, 2 for bad arguments or an unreadable store.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyAuditChain, type AuditVerification } from './services/audit';
import { openSqliteStore } from './store/sqlite';

/** Opens the store of `dataDir` read-and-close, and verifies its chain. */
export async function verifyDataDir(dataDir: string): Promise<AuditVerification> {
  const file = join(resolve(dataDir), 'engine.sqlite');
  if (!existsSync(file)) throw new Error(`no engine store at ${file}`);
  const store = await openSqliteStore({ file });
  try {
    return await verifyAuditChain(store.auditEvents.listAll());
  } finally {
    await store.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let dataDir: string | undefined;
  try {
    dataDir = parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' } },
      strict: true,
    }).values['data-dir'];
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
  }
  if (!dataDir) {
    process.stderr.write('usage: audit-verify --data-dir DIR\n');
    return 2;
  }
  let result: AuditVerification;
  try {
    result = await verifyDataDir(dataDir);
  } catch (error) {
    process.stderr.write(`cannot verify: ${(error as Error).message}\n`);
    return 2;
  }
  if (result.ok) {
    process.stdout.write(`audit chain intact: ${result.checked} events\n`);
    return 0;
  }
  process.stdout.write(`audit chain broken at event ${result.brokenAt}: ${result.reason}\n`);
  return 1;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audit-verify failed: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
