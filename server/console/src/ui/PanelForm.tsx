import type { FormEvent, ReactNode } from "react";
import { FormAlert } from "./FormAlert";
import { useFocusOnMount } from "./useFocusOnMount";

/**
 * A form opened as a panel: its heading (focused when it opens, and naming the form), an
 * optional intro, the form's error region, then the fields.
 */
export function PanelForm({
  headingId,
  title,
  intro,
  error,
  onSubmit,
  children,
}: {
  /** The heading's id, unique in the page. */
  headingId: string;
  title: string;
  intro?: string;
  error: string | null;
  onSubmit: (e: FormEvent) => void;
  children: ReactNode;
}) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <form className="panel-form" onSubmit={onSubmit} noValidate aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      {intro !== undefined && <p className="hint">{intro}</p>}
      <FormAlert message={error} />
      {children}
    </form>
  );
}
