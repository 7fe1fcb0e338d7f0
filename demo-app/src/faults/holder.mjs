// A live process that holds database resources, as a stuck job or a leaking client does.
// Usage: node holder.mjs <long-transaction|blocked-lock|connections> <database-url> [count]
// Prints READY once the resource is held, then waits until it is killed.
import pg from 'pg';

const [mode, url, countArg] = process.argv.slice(2);
const connect = async (name) => {
  const client = new pg.Client({ connectionString: url, application_name: name });
  // Gone with its database or its parent: a holder must never outlive the demo.
  client.on('error', () => process.exit(0));
  client.on('end', () => process.exit(0));
  await client.connect();
  return client;
};

if (mode === 'long-transaction') {
  const client = await connect('pa-nightly-export');
  await client.query('BEGIN');
  await client.query('SELECT txid_current()');
  await client.query('SELECT count(*) FROM users');
} else if (mode === 'blocked-lock') {
  const holder = await connect('pa-todo-batch');
  await holder.query('BEGIN');
  await holder.query('UPDATE todos SET title = title WHERE id = 1');
  const waiter = await connect('pa-todo-editor');
  const { rows } = await waiter.query('SELECT pg_backend_pid() AS pid');
  waiter.query('UPDATE todos SET is_done = NOT is_done WHERE id = 1').catch(() => undefined);
  for (;;) {
    const { rowCount } = await holder.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [rows[0].pid]);
    if (rowCount) break;
    await new Promise((r) => setTimeout(r, 20));
  }
} else if (mode === 'connections') {
  const count = Number(countArg);
  const clients = [];
  for (let i = 0; i < count; i++) clients.push(await connect('pa-leaky-worker'));
} else {
  console.error(`unknown holder mode ${mode}`);
  process.exit(2);
}
console.log('READY');
process.on('SIGTERM', () => process.exit(0));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000);
