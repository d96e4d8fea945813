import { useEffect, useState } from "preact/hooks";

interface Subscribable {
  subscribe(listener: () => void): () => void;
}

/** Re-renders the caller whenever the source's state changes (the chat, the emoji cache, the library). */
export function useSubscription(source: Subscribable): void {
  const [, setVersion] = useState(0);
  useEffect(
    () =>
      source.subscribe(() => {
        setVersion((n) => n + 1);
      }),
    [source],
  );
}
