import { Global, Module } from '@nestjs/common';
import { JobsService } from './jobs.service';

/** The durable job queue (pg-boss on the service's PostgreSQL), for every feature. */
@Global()
@Module({ providers: [JobsService], exports: [JobsService] })
export class JobsModule {}
