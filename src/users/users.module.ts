import { Module } from '@nestjs/common';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';
import { ProfileService } from './profile.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController, BlocksController],
  providers: [UsersService, ProfileService, BlocksService],
  exports: [UsersService],
})
export class UsersModule {}
