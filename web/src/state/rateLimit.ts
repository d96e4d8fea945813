// The server's per-user rate limits: a refusal says how long to wait, in a
// `retry_after` field, a Retry-After header, or only in its message.

/** The shortest wait before trying again: a refusal with no usable number still waits this. */
export const MIN_RETRY_SECONDS = 1;

/**
 * Seconds to wait before trying again: the first usable of `retryAfter` (a
 * number, or a string of one, as the header has it) and a "… in 4 s" in the
 * message; at least a second.
 */
export function retryAfterSeconds(retryAfter: unknown, message = ""): number {
  const given = typeof retryAfter === "number" ? retryAfter : typeof retryAfter === "string" && retryAfter.trim() ? Number(retryAfter) : NaN;
  if (Number.isFinite(given)) return Math.max(MIN_RETRY_SECONDS, Math.ceil(given));
  const said = /(\d+(?:\.\d+)?)\s*s\b/.exec(message);
  return Math.max(MIN_RETRY_SECONDS, said ? Math.ceil(Number(said[1])) : MIN_RETRY_SECONDS);
}
