import { Emitter } from '../base/emitter';
import type { Disposable } from '../base/disposable';
import type { EngineEvent } from '../domain';

export type {
  DatabaseStatusEvent,
  EngineEvent,
  OperationProgressEvent,
  ProviderHealthEvent,
} from '../domain';

/** The engine's in-process event bus. */
export class EventBus {
  private readonly emitter = new Emitter<EngineEvent>();

  publish(event: EngineEvent): void {
    this.emitter.emit(event);
  }

  subscribe(listener: (event: EngineEvent) => void): Disposable {
    return this.emitter.on(listener);
  }

  get subscribers(): number {
    return this.emitter.size;
  }
}
