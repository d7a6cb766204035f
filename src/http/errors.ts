// HTTP helpers shared by every route module (the API, the console, Slack's receiver):
// the error body everyone answers with, and an error the client can act on.

/** An error the client can act on: rendered as `{ error: { code, message, field? } }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, field?: string) {
  return { error: field ? { code, message, field } : { code, message } };
}
