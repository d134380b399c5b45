// What the page uses of Ferndesk's global, as the loader snippet and sdk.js define it.
interface FerndeskError extends Error {
  code?: string;
  reason?: string;
}

interface FerndeskUser {
  sub: string;
  email: string;
  name: string | null;
}

interface FerndeskFunction {
  (command: 'init', options: { widgetId: string }): Promise<void> | undefined;
  (command: 'identify', options: { jwt: string }): Promise<FerndeskUser> | undefined;
  (command: 'open' | 'close' | 'toggle'): Promise<void> | undefined;
  /** Set by sdk.js once it has run; the loader snippet's queue has none. */
  version?: string;
}

interface Window {
  Ferndesk?: FerndeskFunction;
  FERNDESK_SDK_SRC?: string;
}
