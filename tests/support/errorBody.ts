import type { ErrorParams } from "../../shared/messages/errorMessages";

/** An API refusal's body as tests read it: the code, the sentence, and what words it. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    reason?: string;
    params?: ErrorParams;
    issues?: { path: string; message: string }[];
  };
}
