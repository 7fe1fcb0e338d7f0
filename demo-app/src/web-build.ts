// The SPA is built with Vite on first start, and again when its sources are newer than the build.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');
export const webDist = path.join(webRoot, 'dist');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.dist-')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function spaBuildIsStale(): boolean {
  const index = path.join(webDist, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestSourceMtime(webRoot);
}

export async function ensureSpaBuilt(): Promise<void> {
  if (!spaBuildIsStale()) return;
  const { build } = await import('vite');
  // Built aside and swapped in, so a concurrent start never serves a half-written folder.
  const outDir = path.join(webRoot, `.dist-${process.pid}-${Date.now()}`);
  await build({ configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  rmSync(webDist, { recursive: true, force: true });
  try {
    renameSync(outDir, webDist);
  } catch (err) {
    if (!existsSync(path.join(webDist, 'index.html'))) throw err;
    rmSync(outDir, { recursive: true, force: true });
  }
}
