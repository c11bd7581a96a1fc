// Components for the React tests, in JSX: each records what its hooks returned, render by render, so tests can check identity and counts.

import { StrictMode, useEffect, useState, type ReactNode } from 'react';
import type { LifelineClient } from '@lifeline/client';
import type { Json } from '@lifeline/protocol';
import { LifelineProvider, useChannel, useConnection, useLastSeen, useLifelineClient, usePresence, type ChannelView, type LastSeen, type LifelineSource, type PresenceSnapshot } from '../src/index.js';
import type { ConnectionSnapshot } from '../src/index.js';

/**
 * The element every test renders: StrictMode (double render, mount-unmount-mount) around the provider.
 * A function, not a component: React 19 double-invokes mount effects only in a newly placed subtree
 * whose root is already strict, so StrictMode inside a freshly mounted component would test nothing.
 */
export function strictApp(source: LifelineSource, children?: ReactNode, fallback?: ReactNode) {
  return (
    <StrictMode>
      <LifelineProvider {...source} fallback={fallback}>
        {children}
      </LifelineProvider>
    </StrictMode>
  );
}

/** A `renderHook` wrapper: the provider (pass `reactStrictMode: true` too, which puts StrictMode at the root). */
export function providerWrapper(source: LifelineSource) {
  return function Wrapper({ children }: { children?: ReactNode }) {
    return <LifelineProvider {...source}>{children}</LifelineProvider>;
  };
}

/** What components saw. */
export interface Log {
  clients: LifelineClient[];
  connection: ConnectionSnapshot[];
  channels: Record<string, ChannelView[]>;
  publications: Record<string, Json[]>;
  presence: PresenceSnapshot[];
  lastSeen: LastSeen[];
  /** Effect setups of ClientProbe: 2 per mounted probe under a working StrictMode. */
  effects: number;
}

export const newLog = (): Log => ({ clients: [], connection: [], channels: {}, publications: {}, presence: [], lastSeen: [], effects: 0 });

export function ClientProbe({ log }: { log: Log }) {
  log.clients.push(useLifelineClient());
  useEffect(() => void log.effects++, [log]);
  return null;
}

export function ConnectionProbe({ log }: { log: Log }) {
  const c = useConnection();
  log.connection.push(c);
  return <p data-testid="connection">{`${c.state}/${c.phase}/${c.outboxSize}`}</p>;
}

/** On `channel` as `id`: records every view it rendered and every publication handed to it. */
export function ChannelProbe({ log, channel, id }: { log: Log; channel: string; id: string }) {
  const view = useChannel(channel, { onPublication: (data) => void (log.publications[id] ??= []).push(data) });
  (log.channels[id] ??= []).push(view);
  return <p data-testid={id}>{`${view.state}:${JSON.stringify(view.last?.data ?? null)}`}</p>;
}

export function PresenceProbe({ log, channel, ids }: { log: Log; channel: string; ids: readonly string[] }) {
  const presence = usePresence(channel);
  const lastSeen = useLastSeen(ids);
  log.presence.push(presence);
  log.lastSeen.push(lastSeen);
  return (
    <ul>
      {presence.members.map((m) => (
        <li key={m.id}>{m.id}</li>
      ))}
    </ul>
  );
}

/** Shows its children until told otherwise: `toggle()` from the test flips it. */
export function Toggle({ children, control }: { children?: ReactNode; control: { toggle?: (on: boolean) => void } }) {
  const [on, setOn] = useState(true);
  control.toggle = setOn;
  return on ? <>{children}</> : null;
}
