import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that the summary reads. */
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from: a package, Portcullis, the bench app, node itself, or V8. */
export function frameOwner(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(V8 builtins / native)';
  if (url.startsWith('node:')) return 'node core';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url.includes('/libs/auth/')) return 'portcullis';
  if (url.includes('/bench/')) return 'bench app';
  return url;
}

function frameName(frame: ProfileNode['callFrame']): string {
  const file = frame.url.split('/').slice(-1)[0];
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`;
}

type Tally = Map<string, number>;
const add = (tally: Tally, key: string, micros: number) =>
  tally.set(key, (tally.get(key) ?? 0) + micros);

/**
 * Self and inclusive time by owner and by function, idle time left out, as text, also divided by
 * the requests served so two rows' profiles can be compared per request. Inclusive time
 * answers "how much of a request is spent under X" (e.g. under TypeORM), which self time spreads
 * over hundreds of small frames.
 */
export function summariseCpuProfile(path: string, requests: number, top = 20): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfByOwner: Tally = new Map();
  const inclusiveByOwner: Tally = new Map();
  const selfByFunction: Tally = new Map();
  const inclusivePortcullis: Tally = new Map();
  let busy = 0;
  profile.samples.forEach((sampleId, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const leaf = byId.get(sampleId)!;
    if (leaf.callFrame.functionName === '(idle)') return;
    busy += micros;
    add(selfByOwner, frameOwner(leaf.callFrame), micros);
    add(selfByFunction, `${frameName(leaf.callFrame)} [${frameOwner(leaf.callFrame)}]`, micros);
    const owners = new Set<string>();
    const portcullisFrames = new Set<string>();
    for (let id: number | undefined = sampleId; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const owner = frameOwner(frame);
      owners.add(owner);
      if (owner === 'portcullis') portcullisFrames.add(frameName(frame));
    }
    for (const owner of owners) add(inclusiveByOwner, owner, micros);
    for (const frame of portcullisFrames) add(inclusivePortcullis, frame, micros);
  });
  const table = (title: string, tally: Tally) => {
    const rows = [...tally.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [
      title,
      ...rows.map(
        ([key, micros]) =>
          `  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ` +
          `${(micros / requests).toFixed(1).padStart(7)} µs/req  ${key}`,
      ),
    ].join('\n');
  };
  return [
    `${path}\nbusy (non-idle) time: ${(busy / 1000).toFixed(0)} ms over ${requests} requests ` +
      '(boot included; µs/req are under the profiler, which roughly doubles them)',
    table('self time by owner', selfByOwner),
    table('inclusive time by owner (time with the owner anywhere on the stack)', inclusiveByOwner),
    table('self time by function', selfByFunction),
    table('inclusive time of Portcullis functions', inclusivePortcullis),
  ].join('\n\n');
}
