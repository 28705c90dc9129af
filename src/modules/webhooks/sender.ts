import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LookupFunction } from 'node:net';
import { AllowList, Lookup, TargetRefused, checkAddresses, checkUrl, systemLookup } from './target-guard';

export interface SendResult {
  readonly statusCode: number | null;
  readonly durationMs: number;
  /** Why there is no usable answer: a network error, a timeout, a refused target. */
  readonly error: string | null;
  /** Seconds or an HTTP date, as the receiver sent it (429, 503). */
  readonly retryAfter: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one delivery. The target is checked again here, not only when it was registered: the connection goes
 * to an address resolved and checked by this very call (the socket's lookup is answered with it), so DNS
 * rebinding gets no other address through. Redirects are not followed (a 3xx is an answer like any other), a
 * timeout covers the whole exchange, and the response body is read and dropped (bounded).
 */
export async function send(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { allow: AllowList; timeoutMs: number; lookup?: Lookup },
): Promise<SendResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let url: URL;
  let addresses: { address: string; family: number }[];
  try {
    url = checkUrl(target, options.allow);
    addresses = await checkAddresses(url, options.allow, options.lookup ?? systemLookup);
  } catch (error) {
    const message = error instanceof TargetRefused ? `target refused: ${error.message}` : String(error);
    return { statusCode: null, durationMs: elapsed(), error: message, retryAfter: null };
  }
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    const all = (lookupOptions as { all?: boolean }).all;
    if (all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((done) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done({ ...result, durationMs: elapsed() });
    };
    const req = request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'lead-service-webhooks/1',
        },
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const answered = () => {
          const retryAfter = res.headers['retry-after'];
          finish({ statusCode: res.statusCode ?? null, error: null, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
        };
        res.on('end', answered);
        res.on('close', answered);
        res.on('error', answered);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (error) => finish({ statusCode: null, error: error.message || String(error), retryAfter: null }));
    req.end(body);
  });
}
