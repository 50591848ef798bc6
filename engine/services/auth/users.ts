import { ConflictError } from '../../base/errors';
import { CreateUserRequestSchema, type PublicUser, type User } from '../../domain';
import type { Page, PageRequest } from '../../store';
import { isoNow, type ServiceContext } from '../context';
import { parseInput } from '../validation';
import type { Grant } from './access';
import { generatePassword, hashPassword } from './passwords';

/** A user as the API shows it: never the password hash. */
export function toPublicUser(user: User): PublicUser {
  const { passwordHash: _hash, ...rest } = user;
  return rest;
}

/** What the first start did: the generated admin password, when none was configured. */
export interface BootstrapResult {
  created: boolean;
  /** Set only when the password was generated; the daemon prints it once, never to the log. */
  generatedPassword: string | null;
}

/** Console users: the bootstrap admin and the admin-only user routes. */
export class UserService {
  constructor(private readonly context: ServiceContext) {}

  /**
   * On the first start (no users at all), creates `admin` with a global admin binding and the
   * configured password, or a generated one that is returned so that it can be shown once.
   */
  async bootstrap(adminPassword: string | undefined): Promise<BootstrapResult> {
    const existing = await this.context.store.users.list(undefined, { limit: 1 });
    if (existing.items.length > 0) return { created: false, generatedPassword: null };
    const password = adminPassword ?? generatePassword();
    try {
      await this.insert('admin', password, [{ role: 'admin' }]);
    } catch (error) {
      // Another replica on the same store created it between the check and the insert.
      if (error instanceof ConflictError) return { created: false, generatedPassword: null };
      throw error;
    }
    this.context.logger.info({ username: 'admin' }, 'created the first admin user');
    return { created: true, generatedPassword: adminPassword ? null : password };
  }

  async create(input: unknown, grant: Grant): Promise<PublicUser> {
    grant.assertGlobal();
    const request = parseInput(CreateUserRequestSchema, input);
    return toPublicUser(await this.insert(request.username, request.password, request.bindings));
  }

  async list(page: PageRequest, grant: Grant): Promise<Page<PublicUser>> {
    grant.assertGlobal();
    const result = await this.context.store.users.list(undefined, page);
    return { items: result.items.map(toPublicUser), nextCursor: result.nextCursor };
  }

  async get(id: string, grant: Grant): Promise<PublicUser> {
    grant.assertGlobal();
    return toPublicUser(await this.context.store.users.get(id));
  }

  private async insert(
    username: string,
    password: string,
    bindings: User['bindings'],
  ): Promise<User> {
    const now = isoNow(this.context);
    return this.context.store.users.create({
      id: this.context.newId(),
      username,
      passwordHash: await hashPassword(password),
      bindings,
      disabled: false,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
  }
}
