import { Global, Module } from '@nestjs/common';
import { DomainEventBus } from './domain-events.bus';
import { EventMetrics } from './event-metrics.listener';

@Global()
@Module({ providers: [DomainEventBus, EventMetrics], exports: [DomainEventBus] })
export class EventsModule {}
