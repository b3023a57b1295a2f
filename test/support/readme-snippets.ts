/**
 * README code blocks, written out as files exactly as printed: each block
 * of a section whose first line is `// <file>` becomes that file, so a test
 * can build or run what a reader copies.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const README = join(REPO, 'README.md');

/** The `// <file>` code blocks of the README section under `heading` (up to the next heading of any level). */
export function readmeFiles(heading: string): { file: string; code: string }[] {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no '${heading}' section`);
  const end = readme.indexOf('\n#', start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const files = [...section.matchAll(/```\w*\n(\/\/ (\S+)\n[\s\S]*?)```/g)].map(([, code, file]) => ({ file: file!, code: code! }));
  if (files.length === 0) throw new Error(`README.md's '${heading}' section has no '// <file>' code block`);
  return files;
}

/**
 * Writes the section's files under `dir`, beside a link to this repository's
 * node_modules (so `aws-cdk-lib` and `constructs` are the test's own
 * copies); returns their paths by file name. The `keygate` the files
 * import is the test's to map: `jest.mock('keygate', () =>
 * jest.requireActual('../../lib/index'), { virtual: true })`.
 */
export function writeReadmeFiles(heading: string, dir: string): Record<string, string> {
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const written: Record<string, string> = {};
  for (const { file, code } of readmeFiles(heading)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, code);
    written[file] = path;
  }
  return written;
}
