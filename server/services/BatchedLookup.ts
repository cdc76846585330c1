/**
 * Look-ups by key, answered many to a query: one query (a round of them, at most `most` keys
 * each) runs at a time, and the keys asked meanwhile wait for the next, which asks for all of
 * them. Idle, a look-up waits one turn of the event loop; busy, the batches grow with the load.
 * After a restart thousands of kiosks prove their token and say hello within seconds, and one
 * statement each spent most of the server's time writing to its database's socket (bench:fanout's
 * move). Each answer is read after it was asked, as a query of its own would be: nothing is cached.
 */
export class BatchedLookup<K, V> {
  private waiting = new Map<K, Caller<V>[]>();
  private scheduled = false;
  private running = false;

  constructor(
    /** The rows for these keys (distinct), by key; a key without a row is absent. */
    private readonly lookUpMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly most = 500,
    /**
     * How long a round may take before its callers are refused and the next round starts: a
     * query that never returns (a connection dropped without a word) must not hold up every
     * look-up after it.
     */
    private readonly roundTimeoutMs = 15_000,
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
    const settle = (chunk: K[], answer: (c: Caller<V>, key: K) => void): void => {
      for (const key of chunk) for (const c of asked.get(key) ?? []) answer(c, key);
    };
    const answer = (chunk: K[]): Promise<void> =>
      // Called inside then(), so a look-up that throws at once rejects like one that fails later.
      Promise.resolve()
        .then(() => this.lookUpMany(chunk))
        .then((found) => settle(chunk, (c, key) => c.resolve(found.get(key))))
        .catch((err: unknown) => settle(chunk, (c) => c.reject(err)));
    const keys = [...asked.keys()];
    const chunks: K[][] = [];
    for (let i = 0; i < keys.length; i += this.most) chunks.push(keys.slice(i, i + this.most));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        const late = new Error(`look-up gave no answer in ${this.roundTimeoutMs} ms`);
        // A caller already answered is not changed by this (a promise settles once).
        for (const chunk of chunks) settle(chunk, (c) => c.reject(late));
        resolve();
      }, this.roundTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(chunks.map(answer)), timedOut]);
    } finally {
      clearTimeout(timer);
      this.running = false;
      this.schedule();
    }
  }
}

/** A caller waiting for a look-up's answer. */
interface Caller<V> {
  resolve: (v: V | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * `read`, shared by its callers: one read runs at a time, and the callers that ask meanwhile
 * share the next (begun a turn after the running one ends), so each gets a value read after it
 * asked, and a crowd asking together costs one query per round. A read that gives no answer in
 * `timeoutMs` fails its callers and lets the next begin. (A BatchedLookup of one key.)
 */
export function sharedRead<T>(read: () => Promise<T>, timeoutMs = 15_000): () => Promise<T> {
  const lookup = new BatchedLookup<null, { value: T }>(
    async () => new Map([[null, { value: await read() }]]),
    1,
    timeoutMs,
  );
  return () =>
    lookup.get(null).then((answer) => {
      // Its one key is always answered; the box keeps a value that may itself be undefined.
      if (answer === undefined) throw new Error("shared read gave no value");
      return answer.value;
    });
}
