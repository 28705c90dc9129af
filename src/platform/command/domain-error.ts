/**
 * A rule of the domain said no. `kind` picks the HTTP status in the problem-details filter, so deciders stay
 * free of HTTP while every refusal still reaches the client as a clear 4xx.
 */
export type DomainErrorKind =
  'unauthorized' | 'not_found' | 'conflict' | 'invalid' | 'limit' | 'forbidden_transition' | 'precondition_failed';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
