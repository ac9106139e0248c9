import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { CodePointLength, PageLimit } from '../../common/validators';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty() about: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UserPublicDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty() about: string;
  @ApiProperty() online: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastSeenAt: string | null;
}

export class UpdateMeDto {
  @ApiProperty({ required: false, minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @CodePointLength(1, 64)
  displayName?: string;

  @ApiProperty({ required: false, maxLength: 500 })
  @IsOptional()
  @IsString()
  @CodePointLength(0, 500)
  about?: string;
}

export class SearchUsersQuery {
  @ApiProperty({ description: 'username prefix', minLength: 1, maxLength: 32 })
  @IsString()
  @Matches(/^[A-Za-z0-9_.]{1,32}$/, { message: 'q must be 1–32 of A-Z a-z 0-9 _ .' })
  q: string;

  @PageLimit(20, 100)
  limit?: number;
}

export class UserListDto {
  @ApiProperty({ type: [UserPublicDto] }) items: UserPublicDto[];
}
