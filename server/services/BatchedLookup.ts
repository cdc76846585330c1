/**
 * Look-ups by key, answered many to a query: one query (a round of them, at most `most` keys
 * each) runs at a time, and the keys asked meanwhile wait for the next, which asks for all of
 * them. Idle, a look-up waits one turn of the event loop; busy, the batches grow with the load.
 * After a restart thousands of kiosks prove their token and say hello within seconds, and one
 * statement each spent most of the server's time writing to its database's socket (bench:fanout's
 * move). Each answer is read after it was asked, as a query of its own would be: nothing is cached.
 */
export class BatchedLookup<K, V> {
  private waiting = new Map<
    K,
    { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]
  >();
  private scheduled = false;
  private running = false;

  constructor(
    /** The rows for these keys (distinct), by key; a key without a row is absent. */
    private readonly lookUpMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly most = 500,
  ) {}

  /** The row for `key`, or undefined. */
  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const callers = this.waiting.get(key);
      if (callers) callers.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /** Flushes on the next turn, unless a round is running (its end flushes what waits). */
  private schedule(): void {
    if (this.scheduled || this.running || this.waiting.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const asked = this.waiting;
    this.waiting = new Map();
    this.running = true;
    const keys = [...asked.keys()];
    const answer = (chunk: K[]): Promise<void> =>
      this.lookUpMany(chunk).then(
        (found) => {
          for (const key of chunk) for (const c of asked.get(key) ?? []) c.resolve(found.get(key));
        },
        (err: unknown) => {
          for (const key of chunk) for (const c of asked.get(key) ?? []) c.reject(err);
        },
      );
    const chunks: K[][] = [];
    for (let i = 0; i < keys.length; i += this.most) chunks.push(keys.slice(i, i + this.most));
    await Promise.all(chunks.map(answer));
    this.running = false;
    this.schedule();
  }
}

/**
 * `read`, shared by its callers: one read runs at a time, and the callers that ask meanwhile
 * share the next (begun a turn after the running one ends), so each gets a value read after it
 * asked, and a crowd asking together costs one query per round.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let last: Promise<unknown> = Promise.resolve();
  return () => {
    if (pending) return pending;
    const next = last
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => {
        pending = undefined;
        return read();
      });
    pending = next;
    last = next.catch(() => undefined);
    return next;
  };
}
