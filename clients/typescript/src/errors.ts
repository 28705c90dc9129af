import type { components } from './schema';

export type ProblemDetails = components['schemas']['ProblemDetails'];

/** A refusal of the service: the HTTP status and its RFC 9457 problem document (when it sent one). */
export class LeadApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<ProblemDetails> & Record<string, unknown>,
  ) {
    super(`${status} ${problem.title ?? 'Error'}: ${problem.detail ?? problem.type ?? 'no detail'}`);
    this.name = 'LeadApiError';
  }
}

/**
 * The data of an openapi-fetch answer, or a LeadApiError: for callers that treat every refusal as an
 * exception. `await unwrap(client.GET(...))` keeps the typed data.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    const problem = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : { detail: String(error ?? '') };
    throw new LeadApiError(response.status, problem);
  }
  return data as T;
}
