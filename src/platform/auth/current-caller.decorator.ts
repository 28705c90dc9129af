import { ExecutionContext, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Caller } from './caller';

/** The caller a guard authenticated; a route without a guard has none and answers 401. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<{ caller?: Caller }>().caller;
  if (!caller) throw new UnauthorizedException();
  return caller;
});
