import { Global, Module } from '@nestjs/common';
import { ServingState } from '../observability/serving-state.service';
import { LifecycleService } from './lifecycle.service';

/**
 * The instance's lifecycle: its serving state (draining, closing, work in flight), provided to
 * the servers below as ServingState. Graceful shutdown (graceful-shutdown.handler.ts) and the process'
 * signal and error handlers (process-signals.handler.ts, unhandled-errors.handler.ts) drive it from main.ts.
 */
@Global()
@Module({
  providers: [LifecycleService, { provide: ServingState, useExisting: LifecycleService }],
  exports: [LifecycleService, ServingState],
})
export class LifecycleModule {}
