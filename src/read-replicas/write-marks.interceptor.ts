import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';
import { AuthUser } from '../common/current-user';
import { ReadReplicas } from './read-replicas';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * After a signed-in caller's REST write (whatever it touched, whether or not it then failed), their
 * next reads must see it: tells ReadReplicas before the answer goes out.
 */
@Injectable()
export class WriteMarksInterceptor implements NestInterceptor {
  constructor(private readonly reads: ReadReplicas) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ method: string; user?: AuthUser }>();
    const userId = request.user?.userId;
    if (READS.has(request.method) || !userId) return next.handle();
    return next.handle().pipe(
      concatMap((value: unknown) => from(this.reads.wrote(userId).then(() => value))),
      catchError((err: unknown) => from(this.reads.wrote(userId)).pipe(concatMap(() => throwError(() => err)))),
    );
  }
}
