import type { Disposable } from '../base/disposable';
import type { EngineEvent } from '../domain';
import { createMemoryEventJournal, type EventJournal } from './event-journal';

export type {
  DatabaseStatusEvent,
  EngineEvent,
  OperationProgressEvent,
  ProviderHealthEvent,
} from '../domain';
export type { EventJournal, JournaledEvent } from './event-journal';

/**
 * The engine's event bus. Events go through its journal, which numbers them in one sequence and
 * keeps the latest for `Last-Event-ID` resumption; without one, an in-memory journal is used.
 */
export class EventBus {
  private subscriberCount = 0;

  constructor(readonly journal: EventJournal = createMemoryEventJournal({ epoch: 0 })) {}

  publish(event: EngineEvent): void {
    this.journal.append(event);
  }

  /** Receives every event with its id in the journal's sequence. */
  subscribe(listener: (event: EngineEvent, id: string) => void): Disposable {
    const subscription = this.journal.subscribe((entry) => listener(entry.event, entry.id));
    this.subscriberCount += 1;
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.subscriberCount -= 1;
        void subscription.dispose();
      },
    };
  }

  get subscribers(): number {
    return this.subscriberCount;
  }
}
