import { CreateApiKeyCommand } from './create-api-key.command.js';

export { CreateApiKeyCommand } from './create-api-key.command.js';

/**
 * Every Portcullis command, to list in the providers of an application's CLI module (nest-commander).
 *
 * @example
 * ```ts
 * @Module({ imports: [AppModule.forRoot()], providers: [...AUTH_COMMANDS] })
 * class CliModule {}
 * await CommandFactory.run(CliModule, ['warn', 'error']);
 * ```
 */
export const AUTH_COMMANDS = [CreateApiKeyCommand];
