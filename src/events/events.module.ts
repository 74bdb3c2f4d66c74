import { Global, Module } from '@nestjs/common';
import { DomainEventBus } from './domain-events';
import { EventMetrics } from './event-metrics';

@Global()
@Module({ providers: [DomainEventBus, EventMetrics], exports: [DomainEventBus] })
export class EventsModule {}
