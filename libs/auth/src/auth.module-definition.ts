import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthModuleOptions, AuthModuleStructuralOptions } from './auth.options.js';

/** Builds `AuthModule.forRoot` / `forRootAsync`; structural options ride along as extras. */
export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleStructuralOptions>(
    { userEntity: undefined, strategies: undefined, routes: false, global: false },
    (definition) => definition,
  )
  .build();
