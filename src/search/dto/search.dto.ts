import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { CodePointLength, ToNumber } from '../../common/validators';
import { MessageDto } from '../../conversations/dto/message.dto';

/** The contract's limits of a search (v1.1 "Limits"): fixed, not configurable. */
export const SEARCH_QUERY_MAX = 200;
export const SEARCH_PAGE_MAX = 50;
export const SEARCH_PAGE_DEFAULT = 20;

export class SearchQuery {
  @ApiProperty({
    minLength: 1,
    maxLength: SEARCH_QUERY_MAX,
    description:
      'words that must all occur in the text (the last one also as a prefix), ignoring case and diacritics; text without spaces (Chinese, Japanese) by substring. 1–200 code points after trimming',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @CodePointLength(1, SEARCH_QUERY_MAX, { message: `q must be 1–${SEARCH_QUERY_MAX} characters long after trimming` })
  q: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'search this chat only' })
  @IsOptional()
  @IsUUID()
  chatId?: string;

  @ApiPropertyOptional({ type: 'integer', default: SEARCH_PAGE_DEFAULT, minimum: 1, maximum: SEARCH_PAGE_MAX })
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(SEARCH_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

/** Payload of the client event `messages:search`: the same fields as the query string. */
export class SearchPayload extends SearchQuery {}

export class SearchHitDto {
  @ApiProperty({ type: MessageDto }) message: MessageDto;
  @ApiProperty({
    description: 'up to 160 code points of the text around the first match, each match wrapped in « and »',
    example: 'we meet «tomorrow» at the «café» on the corner',
  })
  snippet: string;
}

export class SearchPageDto {
  @ApiProperty({ type: [SearchHitDto], description: 'newest first' }) items: SearchHitDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next (older) page; null on the last page' })
  nextCursor: string | null;
}
