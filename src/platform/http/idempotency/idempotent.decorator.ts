import { UseInterceptors, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * A POST route that takes `Idempotency-Key`: a retry with the same key and request answers the first answer
 * again and writes nothing twice, also across a crash (docs/api.md "Idempotency keys").
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: '1-255 visible ASCII characters; a retry with the same key and request answers the first answer again (kept 24 h)',
    }),
  );
