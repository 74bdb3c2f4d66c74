import { Module } from '@nestjs/common';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';
import { ProfileService } from './profile.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { SettingsService } from './settings.service';

@Module({
  controllers: [UsersController, BlocksController],
  providers: [UsersService, ProfileService, BlocksService, SettingsService],
  exports: [UsersService],
})
export class UsersModule {}
