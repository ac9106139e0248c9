import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { AttachmentsService } from './attachments.service';
import { AttachmentDto } from './dto/attachment.dto';
import { receiveSingleFile } from './multipart';

const DOWNLOAD_HEADERS = {
  ETag: { description: 'the quoted SHA-256 of the bytes', schema: { type: 'string' } },
  'Content-Disposition': { description: 'attachment, with the file name (filename and filename*)', schema: { type: 'string' } },
  'Content-Length': { schema: { type: 'integer' } },
  'X-Content-Type-Options': { schema: { type: 'string', enum: ['nosniff'] } },
};

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

@ApiTags('attachments')
@ApiBearerAuth()
@Controller('api/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Upload a file (multipart/form-data, field `file`); it can then be put on one message',
    description:
      'Streamed to storage; the MIME type comes from the content, the file name is kept as metadata only. ' +
      'Above ATTACHMENT_MAX_BYTES the upload is cut off with 413 ATTACHMENT_TOO_LARGE.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: AttachmentDto })
  @ApiErrors('VALIDATION_FAILED', 'ATTACHMENT_TOO_LARGE', 'RATE_LIMITED')
  upload(@CurrentUser() caller: AuthUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AttachmentDto> {
    return this.attachments.upload(caller, (store, discard) => receiveSingleFile(req, res, this.attachments.maxBytes, store, discard));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Download (uploader, or a member who sees a message carrying it)',
    description: 'Content-Disposition: attachment; ETag (the SHA-256) with If-None-Match → 304; a single Range → 206.',
  })
  @ApiHeader({ name: 'Range', required: false, description: 'bytes=a-b, bytes=a- or bytes=-n' })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiResponse({
    status: 200,
    description: 'the bytes, as the detected MIME type',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
    headers: { ...DOWNLOAD_HEADERS, 'Accept-Ranges': { schema: { type: 'string', enum: ['bytes'] } } },
  })
  @ApiResponse({
    status: 206,
    description: 'the requested range',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
    headers: { ...DOWNLOAD_HEADERS, 'Content-Range': { description: 'bytes a-b/size', schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 304, description: 'not modified (If-None-Match matched the ETag)', headers: { ETag: DOWNLOAD_HEADERS.ETag } })
  @ApiErrors('VALIDATION_FAILED', 'ATTACHMENT_NOT_FOUND', 'RANGE_NOT_SATISFIABLE')
  async download(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.attachments.download(caller, id, {
      range: header(req, 'range'),
      ifRange: header(req, 'if-range'),
      ifNoneMatch: header(req, 'if-none-match'),
      headersOnly: req.method === 'HEAD',
    });
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    if (answer.body)
      pipeline(answer.body, res, () => undefined); // an error midway cuts the response
    else if (answer.error) res.json(answer.error);
    else res.end();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete your upload: it leaves the messages that carry it (they are announced as updated)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'ATTACHMENT_NOT_FOUND')
  async delete(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string): Promise<void> {
    await this.attachments.delete(caller, id);
  }
}
