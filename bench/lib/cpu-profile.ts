/**
 * Summarises a V8 .cpuprofile (written by `node --cpu-prof`) into the functions with the most self time,
 * so the report can name hot spots without keeping the profile file.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly share: number;
}

function shortLocation(url: string, line: number, repositoryRoot: string): string {
  if (url === '') return '(native)';
  let path = url.replace(/^file:\/\//, '');
  if (path.startsWith(repositoryRoot)) path = path.slice(repositoryRoot.length);
  path = path.replace(/^.*node_modules\//, 'node_modules/');
  return `${path}:${line + 1}`;
}

export function hotFunctions(profilePath: string, repositoryRoot: string, limit: number): HotFunction[] {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, { name: string; location: string; micros: number }>();
  let totalMicros = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined) return;
    totalMicros += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const location = shortLocation(url, lineNumber, repositoryRoot);
    const key = `${name} ${location}`;
    const entry = selfMicros.get(key) ?? { name, location, micros: 0 };
    entry.micros += delta;
    selfMicros.set(key, entry);
  });
  return [...selfMicros.values()]
    .sort((left, right) => right.micros - left.micros)
    .slice(0, limit)
    .map((entry) => ({
      name: entry.name,
      location: entry.location,
      selfMs: entry.micros / 1_000,
      share: entry.micros / totalMicros,
    }));
}
