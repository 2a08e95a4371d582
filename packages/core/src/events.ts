// Typed lifecycle events. Reporters (progress bars, JSON lines, metrics files) subscribe; the
// trainer emits and never prints.
import type { Metrics } from './types.js';

export interface AlloEvents {
  'run:start': { runDir: string; config: unknown; seed: number; backend: string };
  'run:end': { runDir: string; status: 'ok' | 'failed' | 'interrupted'; error?: string };
  'schedule:start': { model: string; stages: string[] };
  'stage:start': { stage: string; index: number; totalSteps: number; maskShare: number | null };
  'stage:end': { stage: string; index: number; metrics: Metrics; seconds: number };
  'step:end': { stage: string; step: number; totalSteps: number; metrics: Metrics; tokens: number; seconds: number };
  'eval:start': { model: string; size: number };
  'eval:end': { model: string; metrics: Metrics };
  'select:end': { stage: string; share: number; selected: number; total: number };
  'checkpoint:saved': { stage: string; dir: string };
  message: { level: 'info' | 'warn'; text: string };
}

export type AlloEventName = keyof AlloEvents;

type Listener<K extends AlloEventName> = (payload: AlloEvents[K]) => void;

export class EventBus {
  private readonly listeners = new Map<AlloEventName, Set<Listener<AlloEventName>>>();

  on<K extends AlloEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<AlloEventName>);
    return () => set?.delete(listener as Listener<AlloEventName>);
  }

  /** Subscribes to every event, with its name (the JSON-lines reporter). */
  onAny(listener: (name: AlloEventName, payload: unknown) => void): () => void {
    const offs = (Object.keys(EVENT_NAMES) as AlloEventName[]).map((name) =>
      this.on(name, (payload) => listener(name, payload)),
    );
    return () => offs.forEach((off) => off());
  }

  emit<K extends AlloEventName>(name: K, payload: AlloEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) listener(payload);
  }
}

const EVENT_NAMES: Record<AlloEventName, true> = {
  'run:start': true,
  'run:end': true,
  'schedule:start': true,
  'stage:start': true,
  'stage:end': true,
  'step:end': true,
  'eval:start': true,
  'eval:end': true,
  'select:end': true,
  'checkpoint:saved': true,
  message: true,
};
