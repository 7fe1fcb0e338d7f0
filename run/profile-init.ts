// npm run profile:init -- --out FILE [--force] [--schemas a,b] [--env NAME]
// Drafts a target profile from the database DATABASE_URL names (read-only, like every probe), and
// BASE_URL's health and OpenAPI paths when it is set: a TypeScript module to review, then keep.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConnectionError } from '../src/db.ts';
import { DatabaseUnreachable, draftCounts, draftProfile, renderProfileModule, type ProfileDraft } from '../src/profile-draft.ts';
import { loadProfile } from '../src/profile.ts';
import { loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';

const profileModule = fileURLToPath(new URL('../src/profile.ts', import.meta.url));

interface Arguments {
  out?: string;
  force: boolean;
  schemas?: string[];
}

async function main(argv: string[]): Promise<number> {
  const { envName, rest } = parseEnvArgument(argv);
  const args = parseArguments(rest);
  if (typeof args === 'string') {
    console.error(`Verity: ${args}`);
    return 2;
  }
  if (!args.out) {
    console.error('Verity: --out FILE is required: `npm run profile:init -- --out profiles/my-app.ts` names the module to write');
    return 2;
  }
  if (!/\.m?ts$/.test(args.out)) {
    console.error(`Verity: --out ${args.out}: a profile is a TypeScript module, name it FILE.ts`);
    return 2;
  }
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  const databaseURL = config.target.databaseURL;
  if (config.target.kind === 'embedded' || !databaseURL) {
    console.error('Verity: DATABASE_URL is not set: `npm run profile:init` drafts a profile from a database you name');
    return 2;
  }
  const file = path.resolve(config.envDir, args.out);
  if (existsSync(file) && !args.force) {
    console.error(`Verity: ${file} exists: nothing was written (--force replaces it)`);
    return 2;
  }

  let draft: ProfileDraft;
  try {
    draft = await draftProfile({ databaseURL, baseURL: config.target.baseURL, settings: config.database, schemas: args.schemas });
  } catch (err) {
    if (!(err instanceof DatabaseUnreachable)) throw err;
    console.error(`Verity cannot reach the database: ${describeConnectionError(err.cause, databaseURL)}`);
    return 2;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderProfileModule(draft, { profileModuleImport: importPath(file) }));

  // The module is code: proving it loads is the one check that it says what was drafted.
  try {
    await loadProfile(file, config.envDir);
  } catch (err) {
    console.error(`Verity: the drafted profile ${file} does not load, a bug in profile:init (the file is left for a report): ${(err as Error).message.split('\n')[0]}`);
    return 2;
  }
  console.log(summary(draft, file, path.relative(config.envDir, file)));
  return 0;
}

function parseArguments(rest: string[]): Arguments | string {
  const args: Arguments = { force: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--force') args.force = true;
    else if (arg === '--out' || arg === '--schemas') {
      const value = rest[++i];
      if (!value || value.startsWith('--')) return `${arg} needs a value`;
      if (arg === '--out') args.out = value;
      else args.schemas = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else return `unknown argument ${arg} (expected --out FILE, --force, --schemas a,b or --env NAME)`;
  }
  return args;
}

/** src/profile.ts as the written module imports it: relative, with posix separators. */
function importPath(file: string): string {
  const relative = path.relative(path.dirname(file), profileModule).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

function summary(draft: ProfileDraft, file: string, relative: string): string {
  const n = draftCounts(draft);
  const commentedOut = n.relationshipsCommentedOut ? ` (+${n.relationshipsCommentedOut} commented out: orphans today)` : '';
  const lines = [
    `Verity: drafted ${file} from ${draft.source}`,
    `  schemas ${n.schemas}, expected tables ${n.expectedTables}, critical tables ${n.criticalTables}`,
    `  relationships without a foreign key ${n.relationships}${commentedOut}`,
    `  rules: not blank ${n.notBlank}, unique ignoring case ${n.uniqueIgnoringCase}, patterns ${n.matches}`,
    `  sessions ${n.sessions}, freshness ${n.freshness}, application role ${draft.applicationRole?.name ?? 'none'}, app paths ${n.appPaths}`,
    ...draft.leftOut.map((l) => `  left out: ${l}`),
    ...draft.unanswered.map((u) => `  ${u}`),
    `Review the entries marked \`review:\` (${n.review}), then the rest, before you use it: VERITY_PROFILE=${relative}`,
  ];
  return lines.join('\n');
}

runCommand(main);
