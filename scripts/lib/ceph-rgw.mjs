// A private Ceph (one monitor, one memstore OSD, one RADOS Gateway, no manager) on loopback ports
// below 32768, for tests and the demo: a real S3 with SigV4, multipart, versioning, lifecycle and
// object lock. Plain Node, no dependencies, so that it runs before node_modules exists.
//
//   const s3 = await startCephRgw({ dataDir, rgwPort, accessKeyId, secretAccessKey });
//   ... s3.endpoint, s3.accessKeyId, s3.secretAccessKey, s3.region ...
//   s3.stop(); // kills every daemon by pid and process group, removes the data dir
//
// Every start has its own fsid, data dir and ports, and the daemons die with the process that
// started them (parent-death signal), so a run killed with SIGKILL blocks nothing; its data dir
// is removed by the next start (a marker names the owner pid).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DIR_PREFIX,
  OWNER_FILE,
  logTails,
  portFree,
  removeAbandoned,
  startDaemon,
  stopDaemons,
  tool,
  waitUntil,
} from './ceph-daemons.mjs';
import { httpStatus, signedListBuckets } from './sigv4.mjs';

export { signedListBuckets };

/** Ports each start takes: the monitor, the OSD's messenger range, and the gateway. */
const OSD_PORTS = 10;
const BLOCK = OSD_PORTS + 2;

/**
 * Starts mon + OSD + radosgw and an S3 user; resolves once a SigV4-signed ListBuckets with the
 * user's keys answers 200.
 * @param {object} [options]
 * @param {string} [options.dataDir] an empty or missing directory (default: a fresh one in tmpdir)
 * @param {number} [options.monPort] monitor port (msgr2); picked from portRange when absent
 * @param {number} [options.rgwPort] S3 port; picked from portRange when absent
 * @param {[number, number]} [options.osdPorts] the OSD's messenger port range (10 ports)
 * @param {[number, number]} [options.portRange] where free ports are picked (default 20000-32000)
 * @param {string} [options.accessKeyId] generated when absent
 * @param {string} [options.secretAccessKey] generated when absent
 * @param {string} [options.region] default us-east-1
 * @param {number} [options.memstoreBytes] OSD capacity, held in memory (default 1 GiB)
 * @param {number} [options.lcDebugInterval] seconds that make a lifecycle "day" (default 10)
 * @param {number} [options.timeoutMs] deadline for the whole start (default 120 s)
 */
export async function startCephRgw(options = {}) {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 120_000);
  const region = options.region ?? 'us-east-1';
  const accessKeyId = options.accessKeyId ?? randomKey(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  const secretAccessKey = options.secretAccessKey ?? randomBytes(30).toString('base64url');
  validate(options, accessKeyId, secretAccessKey);
  removeAbandoned();

  const dir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), DIR_PREFIX));
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`dataDir ${dir} must be empty or missing`);
  }
  for (const sub of ['log', 'run', 'mon/ceph-a', 'osd/ceph-0']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);

  const ports = await pickPorts(options);
  const endpoint = `http://127.0.0.1:${ports.rgw}`;
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  writeFileSync(conf, cephConf(dir, fsid, ports, options));
  const daemons = [];
  const stop = () => stopDaemons(daemons, dir);

  try {
    const ceph = (args) => tool('ceph', ['-c', conf, '--connect-timeout', '30', ...args], deadline);
    const monKeyring = join(dir, 'mon.keyring');
    const adminKeyring = join(dir, 'admin.keyring');
    await tool(
      'ceph-authtool',
      ['--create-keyring', monKeyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *'],
      deadline,
    );
    await tool(
      'ceph-authtool',
      [
        '--create-keyring',
        adminKeyring,
        '--gen-key',
        '-n',
        'client.admin',
        '--cap',
        'mon',
        'allow *',
        '--cap',
        'osd',
        'allow *',
        '--cap',
        'mgr',
        'allow *',
      ],
      deadline,
    );
    await tool('ceph-authtool', [monKeyring, '--import-keyring', adminKeyring], deadline);
    const monmap = join(dir, 'monmap');
    await tool(
      'monmaptool',
      ['--create', '--addv', 'a', `[v2:127.0.0.1:${ports.mon}]`, '--fsid', fsid, monmap],
      deadline,
    );
    await tool(
      'ceph-mon',
      ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', monKeyring],
      deadline,
    );
    daemons.push(startDaemon(dir, 'mon.a', 'ceph-mon', ['-c', conf, '-f', '-i', 'a']));

    const osdUuid = randomUUID();
    const osdKey = (await tool('ceph-authtool', ['--gen-print-key'], deadline)).trim();
    const osdId = (
      await ceph([
        'osd',
        'new',
        osdUuid,
        '-i',
        writeJson(dir, 'osd-new.json', { cephx_secret: osdKey }),
      ])
    ).trim();
    if (osdId !== '0') throw new Error(`ceph osd new answered ${JSON.stringify(osdId)}, not 0`);
    rmSync(join(dir, 'osd-new.json'));
    await tool(
      'ceph-authtool',
      ['--create-keyring', join(dir, 'osd/ceph-0/keyring'), '--name', 'osd.0', '--add-key', osdKey],
      deadline,
    );
    await tool('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], deadline);
    daemons.push(startDaemon(dir, 'osd.0', 'ceph-osd', ['-c', conf, '-f', '-i', '0']));

    await ceph([
      'auth',
      'get-or-create',
      'client.rgw.a',
      'mon',
      'allow rw',
      'osd',
      'allow rwx',
      '-o',
      join(dir, 'rgw.keyring'),
    ]);
    daemons.push(
      startDaemon(dir, 'client.rgw.a', 'radosgw', ['-c', conf, '-f', '-n', 'client.rgw.a']),
    );

    await waitUntil(
      async () => (await httpStatus(`${endpoint}/`)) !== undefined,
      `radosgw to answer on ${endpoint}`,
      deadline,
      daemons,
    );
    await tool(
      'radosgw-admin',
      [
        '-c',
        conf,
        'user',
        'create',
        '--uid',
        'test',
        '--display-name',
        'test user',
        '--access-key',
        accessKeyId,
        '--secret-key',
        secretAccessKey,
      ],
      deadline,
      true,
    );
    await waitUntil(
      async () => (await signedListBuckets(endpoint, region, accessKeyId, secretAccessKey)) === 200,
      'a signed ListBuckets to answer 200',
      deadline,
      daemons,
    );
  } catch (error) {
    const tails = logTails(dir);
    stop();
    throw new Error(`ceph rgw did not start: ${error.message}${tails}`, { cause: error });
  }

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    dataDir: dir,
    ports,
    pids: daemons.map((d) => d.pid),
    startMs: Date.now() - started,
    stop,
  };
}

function validate(options, accessKeyId, secretAccessKey) {
  for (const name of ['monPort', 'rgwPort']) {
    const port = options[name];
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 32768)) {
      throw new Error(`${name} must be an integer port between 1 and 32767, got ${port}`);
    }
  }
  for (const name of ['osdPorts', 'portRange']) {
    const range = options[name];
    if (range === undefined) continue;
    const [lo, hi] = Array.isArray(range) ? range : [];
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo > 0 && hi < 32768 && hi >= lo)) {
      throw new Error(`${name} must be [low, high] with 0 < low <= high < 32768`);
    }
    const need = name === 'osdPorts' ? OSD_PORTS : BLOCK;
    if (hi - lo + 1 < need) throw new Error(`${name} must span at least ${need} ports`);
  }
  if (!/^[A-Za-z0-9]{16,128}$/.test(accessKeyId)) {
    throw new Error('accessKeyId must be 16-128 letters and digits');
  }
  if (!/^[A-Za-z0-9+/_=-]{20,128}$/.test(secretAccessKey)) {
    throw new Error('secretAccessKey must be 20-128 characters of A-Z a-z 0-9 + / _ = -');
  }
}

function cephConf(dir, fsid, ports, options) {
  const memstore = options.memstoreBytes ?? 1024 ** 3;
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${ports.mon}]
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = ${ports.osd[0]}
ms bind port max = ${ports.osd[1]}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${dir}/admin.keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
log to stderr = false
err to stderr = true
mon cluster log file = ${dir}/log/cluster.log
osd objectstore = memstore
memstore device bytes = ${memstore}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1
ms async op threads = 1
osd op num shards = 1
osd op num threads per shard = 2

[mon.a]
mon data = ${dir}/mon/ceph-a

[osd.0]
osd data = ${dir}/osd/ceph-0
keyring = ${dir}/osd/ceph-0/keyring

[client.rgw.a]
keyring = ${dir}/rgw.keyring
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${ports.rgw}
rgw thread pool size = 32
rgw lc debug interval = ${options.lcDebugInterval ?? 10}
rgw enable usage log = false
`;
}

/** The ports of one start: given ones are taken as they are, the rest come from a free block. */
async function pickPorts(options) {
  const [lo, hi] = options.portRange ?? [20000, 32000];
  const given = (p) => (p === undefined ? [] : [p]);
  const fixed = [...given(options.monPort), ...given(options.rgwPort)];
  if (options.osdPorts) {
    for (let p = options.osdPorts[0]; p <= options.osdPorts[1]; p++) fixed.push(p);
  }
  for (const port of fixed) {
    if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 is in use`);
  }
  // A random block, so that parallel runs rarely try the same one; every port of it must be free.
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = randomInt(lo, hi - BLOCK + 2);
    const block = Array.from({ length: BLOCK }, (_, i) => base + i);
    if (block.some((p) => fixed.includes(p))) continue;
    const free = await Promise.all(block.map(portFree));
    if (free.every(Boolean)) {
      return {
        mon: options.monPort ?? base,
        rgw: options.rgwPort ?? base + 1,
        osd: options.osdPorts ?? [base + 2, base + 1 + OSD_PORTS],
      };
    }
  }
  throw new Error(`no ${BLOCK} free consecutive ports found in ${lo}-${hi}`);
}

function writeJson(dir, name, value) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value), { mode: 0o600 });
  return file;
}

function randomKey(length, alphabet) {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

export const S3_TEST_FILES = /s3|backup|restic|pitr|restore/i;

/**
 * Whether a test run needs the Ceph RGW: TEST_S3=1 forces it, TEST_S3=0 rules it out; otherwise
 * a run of every file (no filter) does, and a targeted run does when a filter matches
 * S3_TEST_FILES.
 * @param {readonly string[]} filters the run's file filters
 * @param {Record<string, string | undefined>} env
 */
export function runNeedsS3(filters, env) {
  if (env.TEST_S3 === '0') return false;
  if (env.TEST_S3 === '1') return true;
  return filters.length === 0 || filters.some((f) => S3_TEST_FILES.test(f));
}

/**
 * The TEST_S3_* variables the tests read (test/helpers/s3.ts). TEST_S3_CEPH_CONF is the cluster's
 * ceph.conf (it names the admin keyring), for tests that drive `radosgw-admin` (bucket quotas).
 */
export function testS3Env(s3) {
  return {
    TEST_S3_CEPH_CONF: join(s3.dataDir, 'ceph.conf'),
    TEST_S3_ENDPOINT: s3.endpoint,
    TEST_S3_ACCESS_KEY_ID: s3.accessKeyId,
    TEST_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    TEST_S3_REGION: s3.region,
  };
}
