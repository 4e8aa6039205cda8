import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A small JSON document on disk, changed under an exclusive lock file so that concurrent activities
 * (in this process or in other worker processes on the same data dir) never interleave. Writes go
 * to a temporary file and are renamed into place, so a crash never leaves half a document.
 * The interim store of the walking skeleton; the PostgreSQL-backed router replaces it.
 */
export class JsonFileStore<T> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly empty: () => T,
  ) {}

  async read(): Promise<T> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw err;
    }
  }

  /** Runs `change` on the current document and stores what it returns, atomically. */
  update<R>(change: (doc: T) => { doc: T; result: R } | Promise<{ doc: T; result: R }>): Promise<R> {
    const run = this.queue.then(() =>
      this.withLock(async () => {
        const { doc, result } = await change(await this.read());
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(doc, null, 2));
        await rename(tmp, this.file);
        return result;
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async withLock<R>(fn: () => Promise<R>): Promise<R> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const lock = `${this.file}.lock`;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A lock older than 30 s belongs to a crashed process.
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > 30_000) await rm(lock, { force: true });
        if (attempt > 2000) throw new Error(`could not lock ${this.file}`, { cause: err });
        await delay(5);
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }
}
