/** Exhaustiveness check for discriminated unions: a new event or command kind fails to compile until handled. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
