/**
 * The baseline: the original design, which polled every database's object every 30 s. It reads
 * each object with a plain GET on its own schedule (spread evenly over the interval) and reports
 * when it first sees a phase change.
 */
export interface PolledDatabase {
  clusterUrl: string;
  plural: string;
  namespace: string;
  name: string;
}

export class Poller {
  requests = 0;
  private readonly phases = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private listener: ((key: string, phase: string, at: number) => void) | undefined;

  constructor(
    private readonly databases: readonly PolledDatabase[],
    private readonly intervalMs: number,
  ) {}

  static key(d: { namespace: string; name: string }): string {
    return `${d.namespace}/${d.name}`;
  }

  onChange(listener: (key: string, phase: string, at: number) => void): void {
    this.listener = listener;
  }

  start(): void {
    this.databases.forEach((database, index) => {
      const offset = Math.floor((index / this.databases.length) * this.intervalMs);
      const first = setTimeout(() => {
        void this.poll(database);
        const every = setInterval(() => void this.poll(database), this.intervalMs);
        this.timers.push(every);
      }, offset);
      this.timers.push(first);
    });
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  private async poll(database: PolledDatabase): Promise<void> {
    this.requests++;
    try {
      const response = await fetch(
        `${database.clusterUrl}/apis/kubedb.com/v1/namespaces/${database.namespace}/${database.plural}/${database.name}`,
      );
      const body = (await response.json()) as { status?: { phase?: string } };
      const phase = body.status?.phase ?? '';
      const key = Poller.key(database);
      const previous = this.phases.get(key);
      this.phases.set(key, phase);
      if (previous !== undefined && previous !== phase) this.listener?.(key, phase, Date.now());
    } catch {
      // A failed poll is retried at the next interval, as the original design did.
    }
  }
}
