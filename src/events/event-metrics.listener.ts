import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { DomainEventBus } from './domain-events.bus';

/** Counts what the domain events tell: every message committed, REST and socket alike. */
@Injectable()
export class EventMetrics implements OnModuleDestroy {
  private readonly unsubscribe: () => void;

  constructor(events: DomainEventBus, metrics: MetricsService) {
    this.unsubscribe = events.subscribe((event) => {
      if (event.type === 'message.created') metrics.messagePersisted();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
