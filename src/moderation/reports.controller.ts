import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { CreateReportDto, ReportCreatedDto } from './dto/report.dto';
import { ReportsService } from './reports.service';

@ApiTags('moderation')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @ApiOperation({
    summary: 'Report a message, a user or a chat to the moderators',
    description:
      'Exactly one of message_id, user_id, chat_id. A message or chat must be one you can read (an ' +
      'active member). The target is stored as it is now (content_snapshot), so deleting it later ' +
      'does not destroy the evidence. At most REPORTS_PER_USER_PER_HOUR (default 20) reports per hour.',
  })
  @ApiCreatedResponse({ type: ReportCreatedDto })
  @ApiErrors(400, 401, 403, 404, 429)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateReportDto): Promise<ReportCreatedDto> {
    return this.reports.create(user.id, body);
  }
}
