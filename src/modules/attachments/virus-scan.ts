import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export interface ScanSettings {
  /** A command given the file's path as its last argument: exit 0 = clean, any other exit = refused. */
  readonly scanCommand: string;
  /** A URL the bytes are POSTed to; it answers `{"clean": true|false}`. */
  readonly scanUrl: string;
  readonly scanTimeoutMs: number;
}

export type ScanVerdict = { readonly clean: true } | { readonly clean: false; readonly scanner: 'command' | 'url' };

/** The scanner could not give a verdict (not found, timed out, an unexpected answer): nothing is stored. */
export class ScannerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScannerUnavailableError';
  }
}

/**
 * The virus-scan hook, off unless a command or a URL is configured (both may be: the file must pass both).
 * It fails closed: a scanner that gives no verdict refuses the upload with a 503 rather than letting an
 * unscanned file in.
 */
export class VirusScanner {
  constructor(private readonly settings: ScanSettings) {}

  get enabled(): boolean {
    return this.settings.scanCommand !== '' || this.settings.scanUrl !== '';
  }

  async scan(path: string): Promise<ScanVerdict> {
    if (this.settings.scanCommand && !(await this.scanWithCommand(path))) return { clean: false, scanner: 'command' };
    if (this.settings.scanUrl && !(await this.scanWithUrl(path))) return { clean: false, scanner: 'url' };
    return { clean: true };
  }

  private scanWithCommand(path: string): Promise<boolean> {
    // No shell: the command line is split on spaces and the path is one argument, whatever it contains.
    const [command, ...args] = this.settings.scanCommand.trim().split(/\s+/);
    return new Promise((done, fail) => {
      execFile(command, [...args, path], { timeout: this.settings.scanTimeoutMs, windowsHide: true }, (error) => {
        if (!error) return done(true);
        const { code, signal, killed } = error as NodeJS.ErrnoException & { code?: number | string; signal?: string; killed?: boolean };
        if (typeof code === 'number' && !killed && !signal) return done(false);
        fail(new ScannerUnavailableError(`the scan command gave no verdict (${killed || signal ? 'timed out or killed' : String(code)})`));
      });
    });
  }

  private async scanWithUrl(path: string): Promise<boolean> {
    let answer: Response;
    try {
      answer = await fetch(this.settings.scanUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(createReadStream(path)) as ReadableStream,
        duplex: 'half',
        signal: AbortSignal.timeout(this.settings.scanTimeoutMs),
      } as RequestInit & { duplex: 'half' });
    } catch (error) {
      throw new ScannerUnavailableError(`the scan URL could not be reached (${(error as Error).name})`);
    }
    const verdict = answer.ok ? ((await answer.json().catch(() => undefined)) as { clean?: unknown } | undefined) : undefined;
    if (typeof verdict?.clean !== 'boolean') throw new ScannerUnavailableError(`the scan URL answered ${answer.status} without a verdict`);
    return verdict.clean;
  }
}
