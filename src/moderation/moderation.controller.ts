import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ModeratorGuard } from '../auth/moderator.guard';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { AuditPageDto, BanUserDto, ModerationPageQuery, ModerationReasonQuery } from './dto/moderation.dto';
import { ListReportsQuery, ReportDto, ReportPageDto, UpdateReportDto } from './dto/report.dto';
import { ModerationService } from './moderation.service';
import { ReportsService } from './reports.service';

/** Moderators only (ModeratorGuard): everyone else gets 403 `forbidden` on every route here. */
@ApiTags('moderation')
@ApiBearerAuth()
@UseGuards(ModeratorGuard)
@Controller('moderation')
export class ModerationController {
  constructor(
    private readonly reports: ReportsService,
    private readonly moderation: ModerationService,
  ) {}

  @Get('reports')
  @ApiOperation({ summary: 'Reports to review, newest first (moderators)' })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiErrors(400, 401, 403)
  listReports(@Query() query: ListReportsQuery): Promise<ReportPageDto> {
    return this.reports.page(query);
  }

  @Patch('reports/:report_id')
  @ApiOperation({ summary: "Set a report's status (moderators); audited" })
  @ApiOkResponse({ type: ReportDto })
  @ApiErrors(400, 401, 403, 404)
  updateReport(
    @CurrentUser() user: AuthUser,
    @Param('report_id', ParseIdPipe) reportId: number,
    @Body() body: UpdateReportDto,
  ): Promise<ReportDto> {
    return this.reports.update(user.id, reportId, body);
  }

  @Delete('messages/:message_id')
  @ApiOperation({
    summary: 'Delete any message (moderators); audited',
    description: "The chat's members get message:deleted, as for the author's own delete.",
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404)
  deleteMessage(
    @CurrentUser() user: AuthUser,
    @Param('message_id', ParseIdPipe) messageId: number,
    @Query() query: ModerationReasonQuery,
  ): Promise<void> {
    return this.moderation.deleteMessage(user.id, messageId, query.reason ?? null);
  }

  @Post('users/:user_id/ban')
  @ApiOperation({
    summary: 'Ban a user (moderators); audited',
    description:
      'At once on every instance: their tokens answer 403 banned on every route, their sockets are ' +
      'disconnected (auth:banned first) and new ones refused, login and refresh answer 403 banned. ' +
      'Their past messages stay. Banning again replaces the ban; with until it ends by itself.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Banned' })
  @ApiErrors(400, 401, 403, 404)
  ban(
    @CurrentUser() user: AuthUser,
    @Param('user_id', ParseIdPipe) userId: number,
    @Body() body: BanUserDto,
  ): Promise<void> {
    return this.moderation.ban(user.id, userId, body);
  }

  @Delete('users/:user_id/ban')
  @ApiOperation({ summary: "Lift a user's ban (moderators); audited when there was one" })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Not banned (any more)' })
  @ApiErrors(400, 401, 403, 404)
  unban(
    @CurrentUser() user: AuthUser,
    @Param('user_id', ParseIdPipe) userId: number,
    @Query() query: ModerationReasonQuery,
  ): Promise<void> {
    return this.moderation.unban(user.id, userId, query.reason ?? null);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Every moderation action, newest first (moderators)' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(400, 401, 403)
  auditLog(@Query() query: ModerationPageQuery): Promise<AuditPageDto> {
    return this.moderation.auditPage(query);
  }
}
