import { Module } from '@nestjs/common';
import { ProfileService } from './profile.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { SettingsService } from './settings.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, ProfileService, SettingsService],
  exports: [UsersService],
})
export class UsersModule {}
