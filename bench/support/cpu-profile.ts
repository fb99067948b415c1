/** V8 CPU profiles of a server child, split by where the time went (bench/profile.ts, bench/drain-profile.ts). */

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
export interface Profile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: CallFrame }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a sampled function lives; the first rule that matches wins. */
export const CATEGORIES: ReadonlyArray<[string, (frame: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['socket writes (writev/write syscalls)', (f) => f.url === '' && /^(writev|write\w*String|writeBuffer)$/.test(f.functionName)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['AbortController / AbortSignal', (f) => f.url.includes('abort_controller') || f.url.includes('internal/event_target')],
  ['RxJS', (f) => f.url.includes('/node_modules/rxjs/')],
  ['rxserve (dist/)', (f) => /\/(dist|lib)\//.test(f.url) && !f.url.includes('node_modules')],
  ['node http (parser, ServerResponse)', (f) => f.url.includes('_http_') || f.functionName === 'execute'],
  ['node streams, net, events, timers', (f) => /internal\/streams|node:net|node:events|stream_base|internal\/timers|task_queues/.test(f.url)],
  ['fastify and its dependencies', (f) => f.url.includes('/node_modules/')],
  ['other (native, program)', () => true],
];

export function categorize(profile: Profile, categories: ReadonlyArray<[string, (frame: CallFrame) => boolean]> = CATEGORIES): Map<string, number> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const [name] = categories.find(([, matches]) => matches(frame))!;
    time.set(name, (time.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return time;
}

export function topFunctions(profile: Profile, count: number): Array<[string, number]> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = frames.get(id)!;
    if (f.functionName === '(idle)') return;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|dist\/|lib\/)/, '$1').replace(/^node:internal\//, 'node:')}:${f.lineNumber + 1}` : 'native';
    const key = `${f.functionName || '(anonymous)'} (${where})`;
    time.set(key, (time.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...time].sort((a, b) => b[1] - a[1]).slice(0, count);
}

