import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';

/** Who is calling: the user and the session (device) their token belongs to. */
export interface AuthUser {
  userId: string;
  sessionId: string;
  /** Set when the call came over a socket: that socket does not get its own echo. */
  socketId?: string;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
});

export const IS_PUBLIC = 'isPublic';
/** Marks a route that needs no access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
