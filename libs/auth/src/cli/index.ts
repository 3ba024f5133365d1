import { ChangePasswordCommand } from './change-password.command.js';
import { CreateApiKeyCommand } from './create-api-key.command.js';
import { CreateSuperuserCommand } from './create-superuser.command.js';
import { PasswordQuestions } from './password-prompt.js';
import { HandleQuestions } from './handle-prompt.js';
import { GrantCommand } from './grant.command.js';

export { ChangePasswordCommand } from './change-password.command.js';
export { CreateApiKeyCommand } from './create-api-key.command.js';
export { CreateSuperuserCommand } from './create-superuser.command.js';
export { PasswordQuestions } from './password-prompt.js';
export { HandleQuestions } from './handle-prompt.js';
export { GrantCommand } from './grant.command.js';

/**
 * Every Portcullis command (and the question sets `createsuperuser` and `changepassword` prompt
 * with), to list in the providers of an application's CLI module (nest-commander).
 *
 * @example
 * ```ts
 * @Module({ imports: [AppModule.forRoot()], providers: [...AUTH_COMMANDS] })
 * class CliModule {}
 * await CommandFactory.run(CliModule, ['warn', 'error']);
 * ```
 */
export const AUTH_COMMANDS = [
  CreateApiKeyCommand,
  GrantCommand,
  CreateSuperuserCommand,
  PasswordQuestions,
  HandleQuestions,
  ChangePasswordCommand,
];
