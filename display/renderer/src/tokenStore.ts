/** Where the kiosk keeps its device token between runs. */
export interface TokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

const KEY = "signage.deviceToken";

/**
 * The Electron shell's encrypted store when present; otherwise the browser's localStorage
 * (a browser kiosk has nothing better, and the token only plays public content).
 */
export function kioskTokenStore(): TokenStore {
  const shell = window.kiosk;
  if (shell)
    return {
      get: () => shell.getToken(),
      set: (t) => shell.setToken(t),
      clear: () => shell.clearToken(),
    };
  return {
    get: () => Promise.resolve(window.localStorage.getItem(KEY)),
    set: (t) => Promise.resolve(window.localStorage.setItem(KEY, t)),
    clear: () => Promise.resolve(window.localStorage.removeItem(KEY)),
  };
}
