import { useCallback, useState } from "react";
import type { Message } from "../lib/i18n";
import type { Fail } from "./useFail";

/** What a form shows in its `FormAlert`: a sentence in the console's language, and the field it marks. */
export interface FormProblem<F extends string> {
  text: Message;
  field?: F;
}

/** A form's error and busy state, and the one way it sends. */
export interface FormSubmit<F extends string> {
  error: FormProblem<F> | null;
  busy: boolean;
  /** Shows a problem found before sending, or clears the last one (null) as a new try starts. */
  setError: (problem: FormProblem<F> | null) => void;
  /**
   * Runs `request` while busy; its failure is shown through the page's `fail` (a failure of the
   * session signs out instead).
   */
  send: (request: () => Promise<void>) => Promise<void>;
}

/**
 * The state every panel form repeats: the refusal it shows (a check of its own or the server's
 * answer) and whether a request is under way.
 */
export function useFormSubmit<F extends string = never>(fail: Fail): FormSubmit<F> {
  const [error, setError] = useState<FormProblem<F> | null>(null);
  const [busy, setBusy] = useState(false);
  const send = useCallback(
    async (request: () => Promise<void>): Promise<void> => {
      setBusy(true);
      try {
        await request();
      } catch (err) {
        fail(err, (text) => setError({ text: () => text }));
      } finally {
        setBusy(false);
      }
    },
    [fail],
  );
  return { error, busy, setError, send };
}
