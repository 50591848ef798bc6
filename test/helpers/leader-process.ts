/**
 * A small leader for takeover tests, run as its own process (so a test can kill -9 or pause it):
 * `node --import tsx test/helpers/leader-process.ts <redisUrl> <prefix> <instanceId> [leaseMs]`.
 * It prints one JSON line per role change (`{"role","token"}`), and while it believes it leads, it
 * tries a fenced write every 100 ms and prints each outcome (`{"fence":"ok"|"refused","token"}`).
 */
import { createRedisClient, RedisLeadership } from '../../engine/redis';

const [url, prefix, instanceId, lease] = process.argv.slice(2);
if (!url || !prefix || !instanceId) {
  console.error('usage: leader-process.ts <redisUrl> <prefix> <instanceId> [leaseMs]');
  process.exit(2);
}
const leadership = new RedisLeadership({
  redis: createRedisClient(url, { offlineQueue: false, maxRetriesPerRequest: 1 }),
  prefix,
  instanceId,
  leaseMs: lease ? Number(lease) : undefined,
});
const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
let token: number | null = null;
leadership.onChange((role) => {
  token = leadership.token ?? token;
  say({ role, token: leadership.token });
});
await leadership.start();
say({ started: instanceId, role: leadership.role, token: leadership.token });
if (leadership.role === 'leader') token = leadership.token;

const timer = setInterval(() => {
  // The token of the term this process last led; a fenced write with it must fail once it is stale.
  if (token === null) return;
  const used = token;
  leadership.fence().then(
    () => say({ fence: 'ok', token: used }),
    () => {
      say({ fence: 'refused', token: used });
      token = null;
    },
  );
}, 100);

process.on('SIGTERM', () => {
  clearInterval(timer);
  void Promise.resolve(leadership.dispose()).then(() => process.exit(0));
});
