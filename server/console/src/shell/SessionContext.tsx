import { createContext, useContext } from "react";
import type { UserView } from "../../../../shared/schemas/account";

/** The signed-in user and what to do when a request shows the session is over. */
export interface Session {
  user: UserView;
  /** Takes over when a request failed because of the session (signs out, or asks for a new password); true when it did. */
  onAuthFailure: (err: unknown) => boolean;
}

/** Provided once by the App around everything shown to a signed-in user. */
export const SessionContext = createContext<Session | null>(null);

/** The session of the signed-in part of the console; only pages shown after sign-in call it. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  // A programming error, not a state the user can reach: the App provides it around every page that asks.
  if (session === null) throw new Error("useSession() is called outside the signed-in console.");
  return session;
}
