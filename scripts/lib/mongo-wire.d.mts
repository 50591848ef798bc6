export const MONGO_WIRE_LABEL: string;
export const MONGO_WIRE_PYTHON: string;
export interface MongoWire {
  url: string;
  port: number;
  pid: number | undefined;
  startMs: number;
  stop(): void;
}
export function mongoWireAvailable(): boolean;
export function runNeedsMongo(filters: readonly string[]): boolean;
export function startMongoWire(options?: { ttlSeconds?: number }): Promise<MongoWire>;
