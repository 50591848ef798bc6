/**
 * The headless entry point: `npm run serve -- --port 8080 --host 127.0.0.1 --data-dir DIR`.
 * The only engine file that reads process.env and argv.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { createEngine, type Engine } from './engine';
import { secretOnceLine } from './logging';

/** Starts the daemon and resolves once it listens; `stop` undoes it. */
export async function runDaemon(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ engine: Engine; url: string }> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'renderer-dir': { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig(env, {
    mode: 'daemon',
    port: values.port === undefined ? undefined : Number(values.port),
    host: values.host,
    dataDir: values['data-dir'],
    rendererDir: values['renderer-dir'] ?? env.DBAAS_RENDERER_DIR ?? findRendererDir(),
  });
  const engine = await createEngine(config, {
    // Straight to stdout, once, never through the logger (logs are shipped and kept): one JSON
    // line among the log's, marked secretOnce.
    onGeneratedAdminPassword: (password) =>
      process.stdout.write(
        secretOnceLine(
          'first start: created user admin; keep the password now, it is not shown again (DBAAS_ADMIN_PASSWORD sets it instead on a first start)',
          { username: 'admin', password },
          new Date(),
        ),
      ),
  });
  await engine.start();
  const address = await engine.api.listen({ port: config.port, host: config.host });
  return { engine, url: address };
}

/** The built renderer, whether we run from source (engine/) or from the bundle (out/daemon/). */
function findRendererDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../renderer'), resolve(here, '../out/renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

async function main(): Promise<void> {
  let running: { engine: Engine; url: string };
  try {
    // The pinned AWS SDK (a 2026 release, which runs on Node 20) warns once that later releases
    // will need Node 22: a note for whoever upgrades it, not for the daemon's log.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    running = await runDaemon(process.argv.slice(2), process.env);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { engine } = running;
  const host = engine.config.host.includes(':') ? `[${engine.config.host}]` : engine.config.host;
  const port = engine.api.server.address();
  const actualPort = typeof port === 'object' && port ? port.port : engine.config.port;
  process.stdout.write(`engine ready on http://${host}:${actualPort}\n`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    engine.logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    engine
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        engine.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`engine failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
