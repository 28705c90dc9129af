import { Module } from '@nestjs/common';
import { ClientRegistry } from './client-registry';
import { StorefrontAuthGuard } from './storefront-auth.guard';

@Module({
  providers: [ClientRegistry, StorefrontAuthGuard],
  exports: [ClientRegistry, StorefrontAuthGuard],
})
export class AuthModule {}
