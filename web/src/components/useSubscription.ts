import { useLayoutEffect, useState } from "preact/hooks";

interface Subscribable {
  subscribe(listener: () => void): () => void;
}

/** Re-renders the caller whenever the source's state changes (the chat, the emoji cache, the library). */
export function useSubscription(source: Subscribable): void {
  const [, setVersion] = useState(0);
  // In the render's own task: a render can start a request (an emoji or a
  // link looked up for the first time) whose answer must not come before
  // the listener is there, or a component that skips its parents' renders
  // would miss it.
  useLayoutEffect(
    () =>
      source.subscribe(() => {
        setVersion((n) => n + 1);
      }),
    [source],
  );
}
