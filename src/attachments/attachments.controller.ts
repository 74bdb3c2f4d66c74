import { Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { AnyRequest, rawRequestOf, takeOverResponse } from '../common/http/raw-request.util';
import { Public } from '../common/http/public.decorator';
import { AttachmentContentService } from './attachment-content.service';
import { AttachmentsService } from './attachments.service';
import { sendContent } from './content.response';
import { AttachmentContentQuery, AttachmentDto, UploadAttachmentBodyDto } from './dto/attachment.dto';

@ApiTags('attachments')
@Controller('attachments')
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly content: AttachmentContentService,
  ) {}

  @Post()
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Upload a photo, voice message or file',
    description:
      'One file per request, streamed. The type is read from the content: images JPEG, PNG, WebP, HEIC/HEIF, GIF ' +
      '(re-encoded without metadata; HEIC stored as JPEG); voice Ogg/Opus, WebM/Opus, MP4/AAC (m4a), MP3; files PDF. ' +
      'Limits (configurable): image 20 MB and 50 megapixels, voice 20 MB and 15 minutes, file 25 MB, and a per-user quota. ' +
      'An upload that no message takes within 24 hours is removed.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadAttachmentBodyDto })
  @ApiCreatedResponse({ type: AttachmentDto })
  @ApiErrors(400, 401, 409, 413, 415)
  upload(@CurrentUser() user: AuthUser, @Req() req: AnyRequest): Promise<AttachmentDto> {
    return this.attachments.upload(user.id, rawRequestOf(req));
  }

  @Get(':attachment_id')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Get an attachment with fresh signed URLs' })
  @ApiOkResponse({ type: AttachmentDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @CurrentUser() user: AuthUser,
    @Param('attachment_id', ParseIdPipe) id: number,
  ): Promise<AttachmentDto> {
    return this.attachments.get(user.id, id);
  }

  @Get(':attachment_id/content')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'The bytes behind a signed URL (url / thumbnail_url of an Attachment)',
    description:
      'No Authorization header: the signature in the query is the permission. It is checked before anything is read; ' +
      'a forged, tampered or expired one is 403. Answers with the stored Content-Type, Content-Disposition ' +
      '(attachment for files), X-Content-Type-Options: nosniff, and honours a single Range (206, or 416 past the end).',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({
    status: 206,
    description: 'The range asked for',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiErrors(400, 403, 404, 416)
  async serve(
    @Param('attachment_id', ParseIdPipe) id: number,
    @Query() query: AttachmentContentQuery,
    @Headers('range') range: string | undefined,
    @Res() res: FastifyReply,
  ): Promise<void> {
    // Opened first: an error (forged signature, missing bytes) is answered by the exception filter
    // through the reply, which must not have been taken over yet.
    const served = await this.content.open({ id, ...query }, range);
    await sendContent(takeOverResponse(res), served);
  }
}
