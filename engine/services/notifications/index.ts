/** Notification channels (CRUD, secrets in the vault) and the delivery of alert notices to them. */
import type { Clock } from '../../base/clock';
import type { Alert } from '../../domain/alerts';
import type { ServiceContext } from '../context';
import { ChannelService } from './channels';
import { NotificationDelivery, type AttemptResult, type DeliveryOptions } from './delivery';

export { ChannelBodySchema, MAX_CHANNELS, MAX_DEAD_LETTERS, type DeadLetter } from './channels';
export { DEFAULT_DELIVERY, MAX_IN_FLIGHT, deliveryOptions, type DeliveryOptions } from './delivery';

export class NotificationService {
  readonly channels: ChannelService;
  readonly delivery: NotificationDelivery;

  constructor(
    private readonly context: ServiceContext,
    clock: Clock,
    options?: DeliveryOptions,
  ) {
    this.channels = new ChannelService(context);
    this.delivery = new NotificationDelivery(
      { channels: this.channels, clock, logger: context.logger, now: context.now },
      options,
    );
  }

  /** Sends one test notice to the channel now and answers what its receiver said. */
  async test(id: string): Promise<AttemptResult & { channelId: string }> {
    const channel = await this.channels.target(await this.channels.record(id));
    const now = this.context.now().toISOString();
    const alert: Alert = {
      id: `test-${this.context.newId()}`,
      rule: 'database-down',
      severity: 'info',
      state: 'firing',
      summary: `test notification for channel ${channel.name}`,
      startsAt: now,
    };
    return { channelId: id, ...(await this.delivery.test(channel, alert)) };
  }
}
