import { Module } from '@nestjs/common';
import { ClientRegistry } from './client-registry';
import { OAuthController } from './oauth.controller';
import { StaffAuthGuard } from './staff-auth.guard';
import { StaffTokens } from './staff-tokens';
import { StorefrontAuthGuard } from './storefront-auth.guard';
import { StorefrontIdentity } from './storefront-identity';

@Module({
  controllers: [OAuthController],
  providers: [ClientRegistry, StorefrontIdentity, StorefrontAuthGuard, StaffTokens, StaffAuthGuard],
  exports: [ClientRegistry, StorefrontIdentity, StorefrontAuthGuard, StaffTokens, StaffAuthGuard],
})
export class AuthModule {}
