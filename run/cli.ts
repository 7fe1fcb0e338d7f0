// What Verity's commands share: reading `--env NAME`, a config error told in one place, and the
// exit code (0 verified, 1 the target failed, 2 Verity could not observe or was misconfigured).
import { ConfigError, loadConfig, type Config } from '../src/config.ts';

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

/** Prints each problem on its own line; the caller exits 2. */
export function explainConfigProblems(problems: string[]): void {
  console.error('Verity: configuration error (nothing was run):');
  for (const problem of problems) console.error(`  ${problem}`);
}

/** The config, or undefined after explaining what is wrong with it. */
export function loadConfigOrExplain(envName: string | undefined): Config | undefined {
  try {
    return loadConfig({ envName });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    explainConfigProblems(err.problems);
    return undefined;
  }
}

/** Runs a command's main and exits with its code; anything thrown is exit 2 with one line. */
export function runCommand(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`Verity: ${(err as Error).message.split('\n')[0]}`);
      process.exit(2);
    },
  );
}
