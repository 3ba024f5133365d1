import 'reflect-metadata';
import { ConsoleLogger, Logger, Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { AUTH_COMMANDS } from 'portcullis/cli';
import { AppModule } from './app.module.js';

// Standard output carries only what a command prints (e.g. a new API key); logs go to standard error.
const stderrLogger = new ConsoleLogger('CLI', { logLevels: ['warn', 'error'] });
stderrLogger.warn = (message: unknown) => process.stderr.write(`warning: ${String(message)}\n`);
Logger.overrideLogger(stderrLogger);

/** The example app's command line: `npm run cli -- <command> [flags]`. */
@Module({ imports: [AppModule.forRoot()], providers: [...AUTH_COMMANDS] })
class CliModule {}

await CommandFactory.run(CliModule, { logger: stderrLogger, errorHandler: onError });

function onError(error: Error): void {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
