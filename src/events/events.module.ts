import { Global, Module } from '@nestjs/common';
import { DomainEventBus } from './domain-events';

@Global()
@Module({ providers: [DomainEventBus], exports: [DomainEventBus] })
export class EventsModule {}
