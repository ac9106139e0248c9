import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { CodePointLength } from '../../common/validators';
import { UserDto } from '../../users/dto/user.dto';

export class RegisterDto {
  @ApiProperty({ pattern: '^[A-Za-z0-9_.]{3,32}$', example: 'alice' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.]{3,32}$/, { message: 'username must be 3–32 of A-Z a-z 0-9 _ .' })
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password: string;

  @ApiProperty({ required: false, minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @CodePointLength(1, 64)
  displayName?: string;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @Length(1, 64)
  username: string;

  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @Length(1, 512)
  refreshToken: string;
}

export class AuthResponseDto {
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ type: UserDto }) user: UserDto;
}
