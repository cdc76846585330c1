/**
 * Look-ups by key asked within one turn of the event loop, answered by one query for all of
 * them (at most `most` keys a query). After a restart thousands of kiosks prove their token and
 * say hello within seconds; one statement each spent most of the server's time writing to its
 * database's socket (bench:fanout's move). Each answer is read after it was asked, as a query of
 * its own would be: nothing is cached.
 */
export class BatchedLookup<K, V> {
  private waiting = new Map<
    K,
    { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]
  >();
  private scheduled = false;

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
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const asked = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    const keys = [...asked.keys()];
    for (let i = 0; i < keys.length; i += this.most) {
      const chunk = keys.slice(i, i + this.most);
      this.lookUpMany(chunk).then(
        (found) => {
          for (const key of chunk) for (const c of asked.get(key) ?? []) c.resolve(found.get(key));
        },
        (err: unknown) => {
          for (const key of chunk) for (const c of asked.get(key) ?? []) c.reject(err);
        },
      );
    }
  }
}

/**
 * `read`, shared by every caller within one turn of the event loop: one query answers them all,
 * made after each of them asked.
 */
export function sharedWithinTurn<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= new Promise<void>((r) => setImmediate(r)).then(() => {
      pending = undefined;
      return read();
    }));
}
