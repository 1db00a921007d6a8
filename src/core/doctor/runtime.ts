import { error, ok, warn, type CheckResult } from './result.js';

/** When each even Node.js release line stops getting security fixes (nodejs.org/en/about/previous-releases). */
export const NODE_END_OF_LIFE: Record<number, string> = { 18: '2025-04-30', 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

const parts = (version: string) => version.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);

function atLeast(version: number[], minimum: number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const a = version[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** `node.version`: this Node.js meets package.json's `engines` (a `>=X.Y.Z` range), and still gets security fixes. */
export function nodeCheck(version: string, engines: string, now: number): CheckResult {
  const minimum = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(engines)?.[1];
  if (minimum === undefined) return warn('node.version', `Node.js ${version}; cannot read the required range '${engines}'`, 'compare by hand with package.json engines');
  if (!atLeast(parts(version), parts(minimum))) {
    return error('node.version', `Node.js ${version} is older than this release needs (${engines.trim()})`, 'install Node.js 24 LTS (or at least the version engines names)');
  }
  const major = parts(version)[0] ?? 0;
  if (major % 2 === 1) return warn('node.version', `Node.js ${version} is not a long-term support release: it gets fixes for a few months only`, 'run an even-numbered LTS release (Node.js 24)');
  const end = NODE_END_OF_LIFE[major];
  if (end !== undefined && now >= Date.parse(`${end}T00:00:00Z`)) {
    return warn('node.version', `Node.js ${version} meets ${engines.trim()}, but Node.js ${major} reached its end of life on ${end}: no more security fixes`, 'upgrade to Node.js 24 LTS');
  }
  return ok('node.version', `Node.js ${version} meets ${engines.trim()}${end ? ` and gets security fixes until ${end}` : ''}`);
}
