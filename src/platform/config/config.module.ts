import { DynamicModule, Global, Module } from '@nestjs/common';
import { SETTINGS, Settings, loadSettings } from './settings';

@Global()
@Module({})
export class ConfigModule {
  /** Tests pass their own settings; the service reads the environment. */
  static forRoot(settings: Settings = loadSettings()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: SETTINGS, useValue: settings }], exports: [SETTINGS] };
  }
}
