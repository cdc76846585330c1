import { useEffect, useRef } from "react";

/**
 * A ref whose element gets focus when it first renders: each page focuses its heading, so a
 * page change is announced and the keyboard starts from the top of the new content.
 */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
