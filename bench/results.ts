import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

/** Where the benchmarks write their figures, one `## ` section each. */
export const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

/**
 * Replaces the section that starts with `heading` in bench/RESULTS.md (appending it the first
 * time), keeping the other benchmarks' sections, formatted as `npm run lint` (prettier) wants it.
 */
export async function writeResultsSection(heading: string, section: string): Promise<void> {
  const previous = await readFile(RESULTS, 'utf8').catch(() => '# Benchmarks\n');
  const start = previous.indexOf(heading);
  const end = start < 0 ? -1 : previous.indexOf('\n## ', start + 1);
  const updated =
    start < 0 ? `${previous.trimEnd()}\n\n${section}` : `${previous.slice(0, start)}${section}${end < 0 ? '' : previous.slice(end + 1)}`;
  await writeFile(RESULTS, await prettier.format(updated, { ...(await prettier.resolveConfig(RESULTS)), filepath: RESULTS }));
  console.log(`written to ${RESULTS}`);
}
