import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * An append-only JSON-lines file: one record per line, durable once `append` resolves.
 * Appends are group-committed: while one write + fdatasync is in flight, later records queue
 * up and go out together in the next write, so hundreds of appends per second cost a handful
 * of fsyncs, and records reach the file in the order `append` was called.
 * One process owns a journal at a time (the local host); it is not a multi-writer log.
 */
export class JsonLinesJournal<T> {
  private queue: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Number of write+fsync rounds, for tests and the benchmark. */
  syncCount = 0;

  private constructor(
    readonly filePath: string,
    private readonly file: fs.FileHandle,
  ) {}

  /**
   * Opens (creating if needed) and returns every record in order. A torn last line — the
   * process died mid-write, so that append never resolved — is dropped and cut off the file;
   * a bad line anywhere else is corruption and throws.
   */
  static async open<T>(filePath: string): Promise<{ journal: JsonLinesJournal<T>; records: T[] }> {
    await fs.mkdir(path.dirname(filePath), { recursive: true });
    let text = '';
    try {
      text = await fs.readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const records: T[] = [];
    let goodBytes = 0;
    let offset = 0;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      const line = end === -1 ? text.slice(offset) : text.slice(offset, end);
      const isLast = end === -1 || end === text.length - 1;
      let record: T | undefined;
      try {
        record = line.trim() === '' ? undefined : (JSON.parse(line) as T);
      } catch {
        if (!isLast) throw new Error(`${filePath}: corrupt record at byte ${goodBytes}.`);
        break;
      }
      if (end === -1) break; // complete JSON but no newline: the write was torn before its newline
      if (record !== undefined) records.push(record);
      offset = end + 1;
      goodBytes += Buffer.byteLength(line) + 1;
    }
    const file = await fs.open(filePath, 'a+');
    const { size } = await file.stat();
    if (size > goodBytes) {
      await file.truncate(goodBytes);
      await file.datasync();
    }
    return { journal: new JsonLinesJournal<T>(filePath, file), records };
  }

  /** Resolves when the record is on disk (written and fdatasync'ed). */
  append(record: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.filePath}: journal is closed.`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.file.write(batch.map((entry) => entry.line).join(''));
        await this.file.datasync();
        this.syncCount += 1;
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.file.close();
  }
}
