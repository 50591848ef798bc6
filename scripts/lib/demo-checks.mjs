// What `npm run demo` promises about its data, checked from the outside the way a user would:
// through the sandbox kubeconfig it prints, `kubectl port-forward svc/NAME` to the real servers and
// psql / mariadb with the `<name>-auth` secret's credentials (the sample rows are there), and
// through the engine's API with the admin password it logged once (the demo's S3 is a backup
// storage, and `orders` has a backup policy on it). Used by scripts/demo-smoke.mjs (CI's first
// step) and by test/integration/demo.test.ts, so that both check the same thing. Plain Node: the
// smoke runs before node_modules exists. Every wait has a deadline; every kubectl it starts is
// stopped before it returns. Passwords go to the clients' environment only, never to a message.
import { spawn } from 'node:child_process';

/** The demo's sample databases with real rows (scripts/demo.ts, scripts/demo-data.ts). */
export const DEMO_ROWS = [
  {
    engine: 'postgres',
    namespace: 'acme-shop',
    service: 'orders',
    port: 5432,
    table: 'orders',
    rows: 250,
  },
  {
    engine: 'mariadb',
    namespace: 'acme-finance',
    service: 'ledger',
    port: 3306,
    table: 'ledger.entries',
    rows: 250,
  },
];
export const DEMO_STORAGE = { name: 'demo-s3', bucket: 'dbaas-demo-backups', database: 'orders' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end, killed after `timeoutMs`; answers code, stdout and stderr. */
function runCommand(command, args, { env = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(error.message) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Retries `attempt` (which answers a value or undefined) with backoff until `deadline`. */
async function until(attempt, deadline) {
  let delay = 250;
  let last;
  for (;;) {
    last = await attempt();
    if (last.value !== undefined || Date.now() >= deadline) return last;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 3_000);
  }
}

/**
 * `kubectl port-forward -n NS svc/NAME :PORT`; resolves with the local port and a stop function,
 * or rejects (the child stopped) when it does not listen within `timeoutMs`.
 */
function portForward(kubectl, namespace, service, port, timeoutMs) {
  const child = spawn(
    'kubectl',
    [...kubectl, 'port-forward', '-n', namespace, `svc/${service}`, `:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise((done) => child.on('close', done));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!gone) child.kill('SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`did not listen in ${timeoutMs} ms: ${out.trim()}`)));
    }, timeoutMs);
    const onData = (d) => {
      out += d;
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), stop, alive: () => child.exitCode === null });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited: ${out.trim()}`));
    });
  });
}

/** The username and password of a `<name>-auth` secret, read with kubectl. */
async function authSecret(kubectl, namespace, name, deadline) {
  const result = await until(async () => {
    const r = await runCommand('kubectl', [
      ...kubectl,
      'get',
      'secret',
      '-n',
      namespace,
      `${name}-auth`,
      '-o',
      'jsonpath={.data.username} {.data.password}',
    ]);
    const [user, password] = r.stdout
      .trim()
      .split(' ')
      .map((v) => Buffer.from(v, 'base64').toString('utf8'));
    return { value: r.code === 0 && user && password ? { user, password } : undefined, r };
  }, deadline);
  if (!result.value)
    throw new Error(`no secret ${namespace}/${name}-auth: ${result.r.stderr.trim()}`);
  return result.value;
}

function countRows(engine, port, creds, table) {
  const query = `SELECT count(*) FROM ${table}`;
  return engine === 'postgres'
    ? runCommand(
        'psql',
        [
          '-X',
          '-At',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          creds.user,
          '-d',
          'postgres',
          '-c',
          query,
        ],
        { env: { PGPASSWORD: creds.password, PGCONNECT_TIMEOUT: '10' }, timeoutMs: 20_000 },
      )
    : runCommand(
        'mariadb',
        [
          '--no-defaults',
          '-h',
          '127.0.0.1',
          '-P',
          String(port),
          '-u',
          creds.user,
          '-N',
          '-B',
          '-e',
          query,
        ],
        { env: { MYSQL_PWD: creds.password }, timeoutMs: 20_000 },
      );
}

/**
 * Port-forwards to one sample database's service and counts its rows with the auth secret's
 * credentials until there are `rows` (the demo writes them shortly after it is ready).
 */
async function checkRows(kubectl, sample, deadline) {
  const what = `kubectl port-forward svc/${sample.service} and ${sample.engine === 'postgres' ? 'psql' : 'mariadb'}: SELECT count(*) FROM ${sample.table} = ${sample.rows}`;
  let forward;
  try {
    const creds = await authSecret(kubectl, sample.namespace, sample.service, deadline);
    let said = '';
    const counted = await until(async () => {
      if (!forward?.alive()) {
        await forward?.stop();
        const left = Math.max(1_000, deadline - Date.now());
        forward = await portForward(
          kubectl,
          sample.namespace,
          sample.service,
          sample.port,
          Math.min(left, 30_000),
        ).catch((error) => ((said = error.message), undefined));
        if (!forward) return { value: undefined };
      }
      const r = await countRows(sample.engine, forward.port, creds, sample.table);
      said = r.code === 0 ? `counted ${r.stdout.trim()}` : r.stderr.trim().split('\n').pop();
      return { value: r.code === 0 && r.stdout.trim() === String(sample.rows) ? true : undefined };
    }, deadline);
    return { ok: counted.value === true, what: counted.value ? what : `${what} (${said})` };
  } catch (error) {
    return { ok: false, what: `${what} (${error.message})` };
  } finally {
    await forward?.stop();
  }
}

async function api(url, path, token, init = {}) {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    signal: AbortSignal.timeout(15_000),
  }).catch((error) => ({ status: 0, json: async () => ({ error: String(error.message) }) }));
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

/** The demo's S3 is a backup storage and `orders` has a backup policy on it (admin login). */
async function checkStorage(url, password, deadline) {
  const what = `GET /api/v1/backup-storages lists ${DEMO_STORAGE.name} (bucket ${DEMO_STORAGE.bucket}) and GET /api/v1/databases/:id/backup-policy of ${DEMO_STORAGE.database} uses it`;
  const login = await api(url, '/api/v1/auth/login', undefined, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 200) return { ok: false, what: `${what} (login answered ${login.status})` };
  const token = login.body.accessToken;
  const storages = await api(url, '/api/v1/backup-storages', token);
  const storage = (storages.body.items ?? []).find((s) => s.name === DEMO_STORAGE.name);
  if (storage?.bucket !== DEMO_STORAGE.bucket)
    return {
      ok: false,
      what: `${what} (storages: ${storages.status} ${(storages.body.items ?? []).map((s) => s.name).join(', ')})`,
    };
  let said = '';
  const found = await until(async () => {
    const dbs = await api(url, '/api/v1/databases?limit=500', token);
    const db = (dbs.body.items ?? []).find((d) => d.name === DEMO_STORAGE.database);
    if (!db)
      return (
        (said = `no database ${DEMO_STORAGE.database} (${dbs.status})`),
        { value: undefined }
      );
    const policy = await api(url, `/api/v1/databases/${db.id}/backup-policy`, token);
    said = `backup-policy answered ${policy.status}, storageId ${policy.body.storageId}`;
    return {
      value: policy.status === 200 && policy.body.storageId === storage.id ? true : undefined,
    };
  }, deadline);
  return { ok: found.value === true, what: found.value ? what : `${what} (${said})` };
}

/**
 * Checks the demo's real data. `output` is what the demo printed so far; `realData` says whether
 * the real servers and S3 are required (otherwise a part the demo says it runs without is not
 * tried, and says so). Answers one `{ ok, what }` per check (`ok` null: not tried).
 */
export async function checkDemoData({
  output,
  url,
  kubeconfig,
  cacheDir,
  realData,
  timeoutMs = 180_000,
}) {
  const deadline = Date.now() + timeoutMs;
  const results = [];
  const plane = /data plane: real ([^;)]*)/.exec(output)?.[1] ?? '';
  const kubectl = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`];
  const hasKubectl = (await runCommand('sh', ['-c', 'command -v kubectl'])).code === 0;
  for (const sample of DEMO_ROWS) {
    if (!realData && !plane.includes(sample.engine))
      results.push({
        ok: null,
        what: `${sample.table}: the demo runs ${sample.engine} simulated here`,
      });
    else if (!hasKubectl && !realData)
      results.push({ ok: null, what: `${sample.table}: kubectl is not installed` });
    else results.push(await checkRows(kubectl, sample, deadline));
  }
  const password = secretOnce(output);
  if (!realData && !/^backup storage: /m.test(output))
    results.push({ ok: null, what: 'backup storage: the demo runs without S3 here' });
  else if (!password) results.push({ ok: false, what: 'backup storage: no admin password logged' });
  else results.push(await checkStorage(url, password, deadline));
  return results;
}

/** The admin password of the one JSON log line marked secretOnce, if there is exactly one. */
export function secretOnce(output) {
  const marked = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter((entry) => entry?.secretOnce === true && typeof entry.password === 'string');
  return marked.length === 1 ? marked[0].password : undefined;
}
