import { useEffect, useState } from "preact/hooks";

const QUERY = "(prefers-reduced-motion: reduce)";

/** Whether the person asked for less motion; follows changes to the setting. */
export function useReducedMotion(): boolean {
  const [reduced, setReduced] = useState(() => window.matchMedia(QUERY).matches);
  useEffect(() => {
    const media = window.matchMedia(QUERY);
    const onChange = () => {
      setReduced(media.matches);
    };
    media.addEventListener("change", onChange);
    onChange();
    return () => {
      media.removeEventListener("change", onChange);
    };
  }, []);
  return reduced;
}
