// The bindings' test world: the real client against the real session engine over the Loopback transport on a FakeClock, with listeners, sockets and environment subscriptions counted.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { LifelineClient, type LifelineClientEventMap, type LifelineClientOptions, type SubscribeOptions, type Subscription, type SubscriptionEventMap } from '@lifeline/client';
import type { AnySchema, ChannelData, ChannelName, Json } from '@lifeline/protocol';
import { createSessionEngine, type ServerOptions } from '@lifeline/server';
import type { Environment } from '@lifeline/socket';
import { FakeClock, Loopback, seededRandom } from '@lifeline/testkit';

/** Let microtasks, promise callbacks and the frameworks' schedulers run (bounded; no real time passes). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

/**
 * A real client whose listeners (its own and its subscriptions') are counted through the public
 * `on`: after everything unmounts the counts must be back where they started.
 */
export class CountingClient extends LifelineClient {
  /** Client listeners registered now, by event. */
  readonly listeners = new Map<string, number>();
  /** Listeners registered now on subscriptions this client handed out. */
  subscriptionListeners = 0;
  private readonly counted = new WeakSet<object>();

  /** Client listeners registered now, all events. */
  get listening(): number {
    let n = 0;
    for (const count of this.listeners.values()) n += count;
    return n;
  }

  override on<K extends keyof LifelineClientEventMap>(type: K, listener: (...args: LifelineClientEventMap[K]) => void): () => void {
    const off = super.on(type, listener);
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    let removed = false;
    return () => {
      if (!removed) this.listeners.set(type, (this.listeners.get(type) ?? 1) - 1);
      removed = true;
      off();
    };
  }

  override subscribe<C extends ChannelName<AnySchema>>(channel: C, options?: SubscribeOptions): Subscription<ChannelData<AnySchema, C>> {
    const sub = super.subscribe(channel, options);
    if (!this.counted.has(sub)) {
      this.counted.add(sub);
      this.count(sub);
    }
    return sub;
  }

  private count<T extends Json>(sub: Subscription<T>): void {
    const on = sub.on.bind(sub);
    sub.on = <K extends keyof SubscriptionEventMap<T>>(type: K, listener: (...args: SubscriptionEventMap<T>[K]) => void): (() => void) => {
      const off = on(type, listener);
      this.subscriptionListeners++;
      let removed = false;
      return () => {
        if (!removed) this.subscriptionListeners--;
        removed = true;
        off();
      };
    };
  }
}

/** An environment that counts who listens to it: a client listens from construction (or `reconnect()` after a close) until closed. */
export function countingEnvironment(): Environment & { readonly listening: number; readonly subscriptions: number } {
  let listening = 0;
  let subscriptions = 0;
  return {
    /** Listening now. */
    get listening() {
      return listening;
    },
    /** Ever subscribed: a close and a reconnect count twice. */
    get subscriptions() {
      return subscriptions;
    },
    isOnline: () => true,
    subscribe() {
      listening++;
      subscriptions++;
      let done = false;
      return () => {
        if (!done) listening--;
        done = true;
      };
    },
  };
}

/** Presence on `room…` channels, identities from `auth`, a 5 s grace; `add` and `fail` RPC methods. */
export const SERVER: Partial<ServerOptions> = {
  authenticate: ({ auth }) => (typeof auth === 'string' ? auth : 'anon'),
  channels: { presence: (ch) => ch.startsWith('room') },
  presence: { grace: 5_000 },
  rpc: {
    methods: {
      add: (params) => {
        const { a, b } = params as { a: number; b: number };
        return a + b;
      },
    },
  },
};

export function world(server: Partial<ServerOptions> = SERVER) {
  const clock = new FakeClock();
  const engine = createSessionEngine({ origins: 'any', clock, random: seededRandom(11), ...server });
  const loopback = new Loopback(engine);
  const environment = countingEnvironment();
  let seed = 5;
  /** Client options on this world's loopback (a new random seed each time). */
  const options = (extra: LifelineClientOptions = {}): LifelineClientOptions => ({ WebSocket: loopback.WebSocket, clock, random: seededRandom(seed++), environment, ...extra });
  const client = (extra: LifelineClientOptions = {}): CountingClient => new CountingClient('ws://loopback.test/', options(extra));
  /** Sockets not closed or closing. */
  const openSockets = (): number => loopback.sockets.filter((s) => s.readyState < 2).length;
  /** Frames of type `t` the clients sent, in order, as `t:ch`. */
  const frames = (...types: string[]): string[] =>
    loopback.sockets
      .flatMap((s) => s.fromClient)
      .map((f) => JSON.parse(f) as { t: string; ch?: string })
      .filter((m) => types.includes(m.t))
      .map((m) => `${m.t}:${m.ch ?? ''}`);
  /** Advance the clock in slices, letting everything else run between them. */
  const advance = async (ms: number, slice = 50): Promise<void> => {
    for (let t = 0; t < ms; t += slice) {
      clock.advance(Math.min(slice, ms - t));
      await settle(5);
    }
  };
  return { clock, engine, loopback, environment, options, client, openSockets, frames, advance };
}
