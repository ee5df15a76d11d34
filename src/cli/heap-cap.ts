import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';

/** Set in the restarted process, so it never restarts again. */
const MARK = 'NHI_CLI_HEAP_CAPPED';

/**
 * Run the CLI again in a child process with the JavaScript heap capped at `mib` (`--max-old-space-size`),
 * the same Node flags (the TypeScript loader) and arguments, its output and exit code passed through, and
 * an interrupt (Ctrl-C, SIGTERM) forwarded; null when no restart is needed (the limit is already at most
 * `mib`, or this is the restarted process). A V8 heap limit can only be set when the process starts.
 */
export function restartWithHeapCap(mib: number): Promise<number> | null {
  const limit = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (process.env[MARK] === '1' || limit <= mib) return null;
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${mib}`, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [MARK]: '1' } });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
