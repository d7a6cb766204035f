// What every outside-service adapter needs around HTTP: the Retry-After header, a body that
// may not be JSON, and a one-line description of a failed request.

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The parsed JSON, or undefined when the text is not JSON (an HTML error page, an empty body). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A failed request in one line: its message and its cause's (fetch puts the network error there), or "timed out". */
export function describeRequestError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.name === 'TimeoutError' ? 'timed out' : err.message;
}
