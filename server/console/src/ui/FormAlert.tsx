import { useEffect, useRef } from "react";

/**
 * A form's error region. It is always in the page, so screen readers announce a new message
 * (role="alert"), and it takes focus when a message appears, so keyboard users land on it and
 * continue from there to the fields below.
 */
export function FormAlert({ message }: { message: string | null }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message !== null) ref.current?.focus();
  }, [message]);
  return (
    <div ref={ref} role="alert" tabIndex={-1} className="alert">
      {message}
    </div>
  );
}
