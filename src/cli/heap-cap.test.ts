import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapCapOf } from './main.js';
import { annualHeapMiB } from '../modules/assessment/assessment.batch.js';

describe('heap cap of a batch command (Command.heapMiB)', () => {
  it('the 本算定 runs under a cap that grows with its chunk; other commands and bad options get none', () => {
    expect(heapCapOf(['assessment', 'run', '--year', '2026'])).toBe(annualHeapMiB(5000));
    expect(heapCapOf(['assessment-run', '--year', '2026', '--chunk', '20000'])).toBe(annualHeapMiB(20000));
    expect(annualHeapMiB(20000)).toBeGreaterThan(annualHeapMiB(5000));
    expect(annualHeapMiB(1)).toBe(256);
    expect(heapCapOf(['assessment', 'run', '--year', 'x'])).toBeNull(); // runCli explains the bad option
    expect(heapCapOf(['audit', 'verify'])).toBeNull();
    expect(heapCapOf([])).toBeNull();
  });

  it('restarts the process under --max-old-space-size with the same loader and arguments, passing its output and exit code through', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heap-cap-'));
    const script = path.join(dir, 'capped.ts');
    const module = fileURLToPath(new URL('./heap-cap.ts', import.meta.url));
    writeFileSync(
      script,
      `import { getHeapStatistics } from 'node:v8';
import { restartWithHeapCap } from ${JSON.stringify(module)};
const restarted = restartWithHeapCap(200);
if (restarted) restarted.then((code) => process.exit(code));
else {
  console.log(JSON.stringify({ limitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20), args: process.argv.slice(2) }));
  process.exit(3);
}
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'a', '--b', 'c'], { encoding: 'utf8', cwd: process.cwd() });
    expect(r.status).toBe(3);
    const child = JSON.parse(r.stdout.trim()) as { limitMiB: number; args: string[] };
    expect(child.args).toEqual(['a', '--b', 'c']);
    // V8's limit includes the young generation: a little above 200, far below the default (≈ 4 GiB here).
    expect(child.limitMiB).toBeGreaterThanOrEqual(200);
    expect(child.limitMiB).toBeLessThan(400);
  });
});
