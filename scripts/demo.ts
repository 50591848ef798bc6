/**
 * npm run demo: the engine daemon plus one sandbox simulator cluster with a few sample databases,
 * so that the console is useful before a real cluster is connected.
 */
import { runDaemon } from '../engine/daemon';

async function main(): Promise<void> {
  const { engine } = await runDaemon(process.argv.slice(2), process.env);
  const address = engine.api.server.address();
  const port = typeof address === 'object' && address ? address.port : engine.config.port;
  process.stdout.write(`engine ready on http://${engine.config.host}:${port}\n`);
  const stop = (): void => {
    void engine.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
