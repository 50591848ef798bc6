// Types of demo-checks.mjs for the TypeScript tests.
export interface DemoCheck {
  /** null: not tried (the demo says it runs that part without its package). */
  ok: boolean | null;
  what: string;
}

export function checkDemoData(options: {
  output: string;
  url: string;
  kubeconfig: string;
  cacheDir: string;
  realData: boolean;
  timeoutMs?: number;
}): Promise<DemoCheck[]>;

export function secretOnce(output: string): string | undefined;
