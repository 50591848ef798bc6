// npm run s3: starts a private Ceph RADOS Gateway (a real S3) by hand and prints its endpoint and
// keys as one JSON object; Ctrl-C (SIGINT) or SIGTERM stops it and removes its data.
//   npm run s3 [-- --port 18080] [--access-key KEY] [--secret-key SECRET] [--region R]
// Keys are generated when not given. The secret is printed this once and never logged again.
import { startCephRgw } from './lib/ceph-rgw.mjs';

const options = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const flag = args[i];
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) fail(`${flag} needs a value`);
  i++;
  if (flag === '--port') options.rgwPort = Number(value);
  else if (flag === '--mon-port') options.monPort = Number(value);
  else if (flag === '--access-key') options.accessKeyId = value;
  else if (flag === '--secret-key') options.secretAccessKey = value;
  else if (flag === '--region') options.region = value;
  else
    fail(`unknown flag ${flag} (known: --port, --mon-port, --access-key, --secret-key, --region)`);
}

let s3;
try {
  s3 = await startCephRgw(options);
} catch (error) {
  fail(error.message);
}
const stop = () => {
  s3.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.stdout.write(
  `${JSON.stringify(
    {
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      secretShownOnce: true,
      forcePathStyle: true,
      startSeconds: Math.round(s3.startMs / 100) / 10,
      pids: s3.pids,
    },
    null,
    2,
  )}\n`,
);
process.stderr.write('ceph rgw running; the secret above is shown this once. Ctrl-C stops it.\n');
// Keeps the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);

function fail(message) {
  process.stderr.write(`npm run s3: ${message}\n`);
  process.exit(1);
}
