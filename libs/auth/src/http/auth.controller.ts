import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  Post,
  Type,
  UseGuards,
} from '@nestjs/common';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { LoginCredentialsGuard } from '../guards/login-credentials.guard.js';
import { LoginRequiredGuard } from '../guards/login-required.guard.js';
import { TokenResponse, TokenService } from '../tokens/token.service.js';
import { UserService } from '../users/user.service.js';
import { parseRegistration } from './registration.js';

/**
 * The opt-in auth routes: `POST register`, `POST login`, `GET me`. Mounted by `AuthModule` under the
 * `routes` prefix (default `auth`) through {@link createAuthController}.
 */
@Injectable()
export class AuthController {
  constructor(
    protected readonly users: UserService<object>,
    protected readonly tokens: TokenService,
  ) {}

  /** `POST register {<usernameField>, password, email?}`: 201 with the new user, 409 when taken. */
  @Public()
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<Record<string, unknown>> {
    const field = this.users.usernameField;
    const column = this.users.repository.metadata.columns.find((c) => c.propertyName === field);
    const input = parseRegistration(body, {
      usernameField: field,
      handleMaxLength: Number(column?.length) || 254,
      acceptsEmail: this.users.hasColumn('email'),
    });
    const fields: Record<string, unknown> = { [field]: input.handle, password: input.password };
    if (input.email !== undefined) fields.email = input.email;
    const user = await this.users.createUser(fields as { password: string });
    return this.users.toPublic(user);
  }

  /** `POST login`: 200 with an OAuth 2.0 token response. Body (JSON or form) or Basic credentials. */
  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(LoginCredentialsGuard)
  async login(@CurrentUser() user: object): Promise<TokenResponse> {
    await this.users.recordLogin(user);
    return this.tokens.issueAccessToken(this.users.idOf(user));
  }

  /** `GET me`: the current user, without its password hash. */
  @Get('me')
  @UseGuards(LoginRequiredGuard)
  me(@CurrentUser() user: object): Record<string, unknown> {
    return this.users.toPublic(user);
  }
}

/** A subclass of {@link AuthController} mounted at `prefix`, so each module instance has its own path. */
export function createAuthController(prefix: string): Type<AuthController> {
  class MountedAuthController extends AuthController {}
  Controller(prefix)(MountedAuthController);
  return MountedAuthController;
}
