import { DynamicModule, Global, Module } from '@nestjs/common';
import { PersonalDataDeclaration } from './personal-data';
import { PERSONAL_DATA_DECLARATIONS } from './privacy.tokens';

/** Hands the composition root's personal-data declarations to the event store (which seals with them). */
@Global()
@Module({})
export class PersonalDataModule {
  static forRoot(declarations: readonly PersonalDataDeclaration[]): DynamicModule {
    return {
      module: PersonalDataModule,
      providers: [{ provide: PERSONAL_DATA_DECLARATIONS, useValue: declarations }],
      exports: [PERSONAL_DATA_DECLARATIONS],
    };
  }
}
