import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Injectable,
  Param,
  Post,
  Type,
  UseGuards,
} from '@nestjs/common';
import type { ApiKey } from '../api-keys/api-key.entity.js';
import { ApiKeyService } from '../api-keys/api-key.service.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import {
  ValidationFailedException,
  type ValidationProblem,
  ResourceNotFoundException,
} from '../errors/auth.exception.js';
import { AccountManagementGuard } from '../guards/account-management.guard.js';
import { isPermissionCodename } from '../permissions/permission-codename.js';
import { UserService } from '../users/user.service.js';
import { bodyFields } from '../common/body-fields.js';

/** An API key as the routes show it: never the key or its digest, except `key` once at creation. */
export interface ApiKeyView {
  id: string;
  label: string;
  scopes: string[];
  expires_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
}

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Half of a UTF-16 surrogate pair: text that cannot be stored as UTF-8 unchanged. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** MySQL/MariaDB DATETIME ends here; later dates fail or wrap on some supported databases. */
const LATEST_STORABLE_DATE = Date.UTC(9999, 11, 31, 23, 59, 59);

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    label: key.label,
    scopes: key.scopes,
    expires_at: key.expiresAt,
    created_at: key.createdAt,
    last_used_at: key.lastUsedAt,
  };
}

function parseNewKey(body: unknown): { label: string; scopes: string[]; expiresAt: Date | null } {
  const fields = bodyFields(body);
  const problems: ValidationProblem[] = [];
  const label = fields.label;
  if (
    typeof label !== 'string' ||
    label.trim().length === 0 ||
    label.length > 100 ||
    CONTROL_CHARACTERS.test(label) ||
    LONE_SURROGATE.test(label)
  ) {
    problems.push({
      field: 'label',
      message:
        'label must be a non-empty string of at most 100 characters, without control characters.',
    });
  }
  const scopes = fields.scopes ?? [];
  if (
    !Array.isArray(scopes) ||
    scopes.length > 50 ||
    !scopes.every((scope) => isPermissionCodename(scope))
  ) {
    problems.push({
      field: 'scopes',
      message: 'scopes must be a list of at most 50 permission codenames such as "notes.read".',
    });
  }
  let expiresAt: Date | null = null;
  if (fields.expires_at !== undefined && fields.expires_at !== null) {
    const parsed = typeof fields.expires_at === 'string' ? new Date(fields.expires_at) : undefined;
    if (
      !parsed ||
      Number.isNaN(parsed.getTime()) ||
      parsed.getTime() <= Date.now() ||
      parsed.getTime() > LATEST_STORABLE_DATE
    ) {
      problems.push({
        field: 'expires_at',
        message: 'expires_at must be a future ISO 8601 date-time, before the year 10000.',
      });
    } else {
      expiresAt = parsed;
    }
  }
  if (problems.length) throw new ValidationFailedException(problems);
  return { label: (label as string).trim(), scopes: [...new Set(scopes as string[])], expiresAt };
}

/**
 * `POST|GET <prefix>/api-keys`, `DELETE <prefix>/api-keys/:id`: a user manages their own keys. Requests
 * authenticated by an API key are refused (403, {@link AccountManagementGuard}): a leaked key must not
 * be able to mint more.
 */
@Injectable()
@UseGuards(AccountManagementGuard)
export class ApiKeysController {
  constructor(
    protected readonly keys: ApiKeyService<object>,
    protected readonly users: UserService<object>,
  ) {}

  /** 201 `{id, key, label, scopes, expires_at, created_at}`: the only time the key is shown. */
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async create(
    @CurrentUser() user: object,
    @Body() body: unknown,
  ): Promise<ApiKeyView & { key: string }> {
    const input = parseNewKey(body);
    const { key, record } = await this.keys.createKey(this.users.idOf(user), input);
    const { last_used_at: _unused, ...shown } = view(record);
    void _unused;
    return { ...shown, key, last_used_at: null };
  }

  /** 200: the caller's live keys, without secrets. */
  @Get()
  async list(@CurrentUser() user: object): Promise<ApiKeyView[]> {
    return (await this.keys.listKeys(this.users.idOf(user))).map(view);
  }

  /** 204; 404 for an unknown key or someone else's. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentUser() user: object, @Param('id') id: string): Promise<void> {
    if (!(await this.keys.revokeKey(this.users.idOf(user), id))) {
      throw new ResourceNotFoundException('No such API key.');
    }
  }
}

/** A subclass of {@link ApiKeysController} mounted at `<prefix>/api-keys`. */
export function createApiKeysController(prefix: string): Type<ApiKeysController> {
  class MountedApiKeysController extends ApiKeysController {}
  Controller(`${prefix}/api-keys`)(MountedApiKeysController);
  return MountedApiKeysController;
}
