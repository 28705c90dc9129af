import { Module } from '@nestjs/common';
import { ClientRegistry } from './client-registry';
import { OAuthController } from './oauth.controller';
import { StaffAuthGuard } from './staff-auth.guard';
import { StaffTokens } from './staff-tokens';
import { StorefrontAuthGuard } from './storefront-auth.guard';

@Module({
  controllers: [OAuthController],
  providers: [ClientRegistry, StorefrontAuthGuard, StaffTokens, StaffAuthGuard],
  exports: [ClientRegistry, StorefrontAuthGuard, StaffTokens, StaffAuthGuard],
})
export class AuthModule {}
