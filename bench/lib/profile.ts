import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: the functions with the most self
 * time, and the same summed by package or source file, as percentages of all samples.
 */
export function summarizeProfile(file: string, root: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // Idle time is waiting for requests (before and after the load, too): left out of the shares.
  let idle = 0;
  for (const [id, time] of selfTime) if (byId.get(id)!.callFrame.functionName === '(idle)') idle += time;
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0) - idle || 1;
  const where = (url: string): string => {
    if (url === '') return '(native)';
    const path = url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    if (pkg) return pkg[1]!;
    if (path.startsWith('node:')) return path;
    return relative(root, path);
  };
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const place = where(frame.url);
    const name = `${frame.functionName || '(anonymous)'}  ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + time);
    places.set(place, (places.get(place) ?? 0) + time);
  }
  const list = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return `Busy ${(total / 1e6).toFixed(1)} s (idle ${(idle / 1e6).toFixed(1)} s left out). Self time by function:\n${list(functions)}\n\nSelf time by package or file:\n${list(places)}`;
}

/** The profile process `pid` wrote into `dir` (node names them CPU.<date>.<time>.<pid>.<n>.cpuprofile). */
export function profileOf(dir: string, pid: number | undefined): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`)).sort();
  return files.length ? join(dir, files[files.length - 1]!) : undefined;
}
