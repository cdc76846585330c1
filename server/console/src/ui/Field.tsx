import { useId, type ComponentProps } from "react";

/** A labelled input with an optional hint, both tied to the input for assistive technology. */
export function Field({
  label,
  hint,
  invalid = false,
  ...input
}: {
  label: string;
  hint?: string;
  /** Marks the input as the one the form's error is about. */
  invalid?: boolean;
} & Omit<ComponentProps<"input">, "id" | "aria-describedby" | "aria-invalid">) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint !== undefined && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      <input
        id={id}
        aria-describedby={hint !== undefined ? hintId : undefined}
        aria-invalid={invalid || undefined}
        {...input}
      />
    </div>
  );
}
