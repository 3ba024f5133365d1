import { Injectable } from '@nestjs/common';
import { LoginRequiredGuard } from './login-required.guard.js';

/**
 * The name most NestJS code writes: `@UseGuards(AuthGuard)`. It is {@link LoginRequiredGuard}, trying
 * the strategies configured in `AuthModule` in order. (Import it from `portcullis`, not from
 * `@nestjs/passport`, whose `AuthGuard('name')` is a factory for a single Passport strategy.)
 *
 * @example
 * ```ts
 * @UseGuards(AuthGuard)
 * @Controller('notes') export class NotesController { ... }
 * ```
 */
@Injectable()
export class AuthGuard extends LoginRequiredGuard {}
