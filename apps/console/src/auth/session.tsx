import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, configureClient } from '../api/client';

/** The roles that may use the console; agent and operator keys are refused at sign-in. */
export type ConsoleRole = 'admin' | 'member';

export interface Session {
  readonly key: string;
  readonly role: ConsoleRole;
  /** The tenant id the key belongs to. */
  readonly tenant: string;
  readonly keyId: string;
}

interface SessionState {
  readonly session: Session | null;
  /** True while a key kept in sessionStorage is being checked again after a reload. */
  readonly restoring: boolean;
  signIn(key: string): Promise<void>;
  signOut(): void;
}

/** What GET /v1/me answers about the key that calls it. */
interface Me {
  readonly keyId: string;
  readonly tenantId: string | null;
  readonly role: 'operator' | 'admin' | 'member' | 'agent';
  readonly agentId: string | null;
}

// sessionStorage, never localStorage: the key lives as long as the tab and is not shared with other tabs.
const STORAGE_KEY = 'switchboard.console.key';

let current: Session | null = null;
let expired: () => void = () => undefined;
// Pages' queries may run before the provider's effects: the client learns where the key is at load.
configureClient(
  () => current?.key ?? null,
  () => expired(),
);
const SessionContext = createContext<SessionState | null>(null);

function stored(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function remember(key: string | null): void {
  try {
    if (key === null) window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage may be disabled; the key then lives in memory only, until the tab reloads.
  }
}

/** Asks the API who the key is; refuses keys that cannot use the console with a sentence a person can act on. */
async function sessionFor(key: string): Promise<Session> {
  let me: Me;
  try {
    me = (await apiRequest<Me>('GET', '/v1/me', {}, key)).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new ApiError(401, 'unauthorized', 'This access key is unknown or has been revoked.', 'key');
    throw error;
  }
  if (me.role === 'agent') {
    throw new ApiError(403, 'forbidden', 'Agent keys can only call the proxy routes. Sign in with an admin or member key.', 'key');
  }
  if (me.role === 'operator' || me.tenantId === null) {
    throw new ApiError(403, 'forbidden', 'The operator key only creates tenants. Sign in with a tenant admin or member key.', 'key');
  }
  return { key, role: me.role, tenant: me.tenantId, keyId: me.keyId };
}

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => stored() !== null);

  const signOut = useCallback(() => {
    current = null;
    remember(null);
    setSession(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    expired = signOut;
  }, [signOut]);

  useEffect(() => {
    const key = stored();
    if (key === null) return;
    let live = true;
    sessionFor(key)
      .then((restored) => {
        if (!live) return;
        current = restored;
        setSession(restored);
      })
      .catch(() => {
        if (live) remember(null);
      })
      .finally(() => {
        if (live) setRestoring(false);
      });
    return () => {
      live = false;
    };
  }, []);

  const signIn = useCallback(async (key: string) => {
    const next = await sessionFor(key.trim());
    current = next;
    remember(next.key);
    setSession(next);
  }, []);

  const value = useMemo<SessionState>(() => ({ session, restoring, signIn, signOut }), [session, restoring, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error('useSessionState() outside <SessionProvider>');
  return state;
}

/** The signed-in session; pages only render inside the sign-in gate, so it is always there. */
export function useSession(): Session & { readonly isAdmin: boolean; signOut(): void } {
  const { session, signOut } = useSessionState();
  if (session === null) throw new Error('useSession() outside the signed-in part of the console');
  return { ...session, isAdmin: session.role === 'admin', signOut };
}
