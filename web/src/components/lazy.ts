import type { ComponentType } from "preact";

/**
 * A component kept in its own chunk, loaded on first use (or ahead of a
 * likely one); a failed load is tried again next time.
 */
export function lazyComponent<P>(load: () => Promise<ComponentType<P>>): () => Promise<ComponentType<P>> {
  let loading: Promise<ComponentType<P>> | null = null;
  return () =>
    (loading ??= load().catch((e: unknown) => {
      loading = null;
      throw e;
    }));
}
