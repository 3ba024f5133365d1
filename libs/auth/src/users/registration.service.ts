import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import { inTransaction } from '../database/in-transaction.js';
import { AuthEvents } from '../events/auth-events.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { PermissionService } from '../permissions/permission.service.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import type { AuthUser } from './auth-user.interface.js';
import { checkWithHook, parseRegistration } from './registration-input.js';
import { type CreateUserInput, UserService } from './user.service.js';

/**
 * Self-service registration without HTTP: the auth controller's `POST register` maps a request onto
 * {@link RegistrationService.register} and its answer back. Internal.
 */
@Injectable()
export class RegistrationService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly permissions: PermissionService,
    private readonly passwordPolicy: PasswordPolicy,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: ResolvedUserOptions &
      Pick<ResolvedMailOptions, 'requireVerifiedEmail'>,
  ) {}

  /**
   * Registers a user: spends a registration from `address`'s budget, validates `fields` (then the
   * `registration.validate` hook, then the password rules), creates the user in its default groups
   * and reports `user.registered`.
   *
   * @param fields the registration as sent: `{ <usernameField>, password, email?,
   * ...registration.fields }`; any other value is refused.
   * @param address the client address, counted against `throttle.registrationPerAddress`.
   * @returns the new user.
   * @throws TooManyAttemptsException when the address's registration budget is spent.
   * @throws ValidationFailedException listing every malformed field (a missing `email` with
   * `requireVerifiedEmail`), or the hook's problems.
   * @throws InvalidPasswordException listing every password rule the password breaks.
   * @throws UsernameTakenException when the handle belongs to someone already.
   */
  async register(fields: unknown, address: string): Promise<TUser> {
    // Counted first, so malformed bodies and weak passwords spend the budget too.
    await this.throttle.beginRegistration(address);
    const field = this.users.usernameField;
    const column = this.users.repository.metadata.columns.find((c) => c.propertyName === field);
    const input = parseRegistration(fields, {
      usernameField: field,
      handleMaxLength: Number(column?.length) || 254,
      acceptsEmail: this.users.hasColumn('email'),
      requiresEmail: this.options.requireVerifiedEmail,
      extraFields: this.users.registrationFields,
    });
    await checkWithHook(this.options.registration.validate, input, field);
    const columns: Record<string, unknown> = {
      ...input.extra,
      [field]: input.handle,
      password: input.password,
    };
    if (input.email !== undefined) columns.email = input.email;
    await this.passwordPolicy.assertValid(input.password, {
      handle: this.users.normalizeHandle(input.handle),
      email: field === 'email' ? this.users.normalizeHandle(input.handle) : input.email,
    });
    for (const group of this.options.defaultGroups) await this.permissions.ensureGroup(group);
    // One commit: an outage half-way must not leave a user without their default groups.
    const user = await inTransaction(this.users.repository.manager.dataSource, async (manager) => {
      const created = await this.users.createUser(columns as CreateUserInput<TUser>, manager);
      for (const group of this.options.defaultGroups) {
        await this.permissions.addToGroup(this.users.idOf(created), group, manager);
      }
      return created;
    });
    this.events.emit({
      type: 'user.registered',
      userId: this.users.idOf(user),
      handle: this.users.normalizeHandle(input.handle),
      address,
    });
    return user;
  }
}
