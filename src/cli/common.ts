// What Verity's commands share: reading `--env NAME`, and a config error told in one place.
import { ConfigError, loadConfig, type Config } from '../config.ts';

/** Splits `--env NAME` / `--env=NAME` from the other arguments. */
export function parseEnvArgument(argv: string[]): { envName?: string; rest: string[] } {
  const rest: string[] = [];
  let envName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--env') envName = argv[++i];
    else if (argv[i]!.startsWith('--env=')) envName = argv[i]!.slice('--env='.length);
    else rest.push(argv[i]!);
  }
  return { envName, rest };
}

/** The config, or undefined after printing each problem on its own line (the caller exits 2). */
export function loadConfigOrExplain(envName: string | undefined): Config | undefined {
  try {
    return loadConfig({ envName });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error('Verity: configuration error (nothing was run):');
    for (const problem of err.problems) console.error(`  ${problem}`);
    return undefined;
  }
}
