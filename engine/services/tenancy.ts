import { ConflictError, EngineError, NotFoundError } from '../base/errors';
import {
  CreateTenantRequestSchema,
  UpdateProjectRequestSchema,
  namespaceFor,
  type Domain,
  type Project,
} from '../domain';
import { DuplicateError, type Page, type PageRequest } from '../store';
import type { Grant } from './auth/access';
import { AlertBook } from './alerts/book';
import { isoNow, type ServiceContext } from './context';
import { parseInput } from './validation';

/**
 * Domains (tenants) and their projects. A project's databases live in the namespace
 * `<domain>-<project>`. Everything here answers 404 for what lies outside the caller's bindings.
 */
export class TenancyService {
  constructor(private readonly context: ServiceContext) {}

  /** Only a global admin creates domains. */
  async createDomain(input: unknown, grant: Grant): Promise<Domain> {
    grant.assertGlobal();
    const request = parseInput(CreateTenantRequestSchema, input);
    return this.insertDomain(request.name, request.quota ?? {});
  }

  /** The domains the caller's bindings touch (all of them for a global binding). */
  async listDomains(grant: Grant, page: PageRequest): Promise<Page<Domain>> {
    const scopes = grant.visibleScopes();
    if (scopes === undefined) return this.context.store.domains.list(undefined, page);
    const names = [...new Set(scopes.map((scope) => scope.domain))].sort();
    const found = await Promise.all(
      names.map((name) => this.context.store.domains.findByName(name)),
    );
    return { items: found.filter((domain): domain is Domain => domain !== null), nextCursor: null };
  }

  async getDomain(name: string, grant: Grant): Promise<Domain> {
    grant.assertVisible('domain', name, name);
    const domain = await this.context.store.domains.findByName(name);
    if (!domain) throw new NotFoundError('domain', name);
    return domain;
  }

  /** Refused (409) while the domain still has projects. */
  async removeDomain(name: string, grant: Grant): Promise<void> {
    const domain = await this.getDomain(name, grant);
    grant.assertGlobal();
    const projects = await this.context.store.projects.list({ domain: name }, { limit: 1 });
    if (projects.items.length > 0)
      throw new ConflictError(`domain ${name} still has projects; delete them first`);
    await this.context.store.domains.delete(domain.id);
  }

  /** An admin of the domain (or a global admin) creates its projects. */
  async createProject(domainName: string, input: unknown, grant: Grant): Promise<Project> {
    grant.assertVisible('domain', domainName, domainName);
    if (!grant.canAct(domainName))
      throw new EngineError(
        'FORBIDDEN',
        `creating projects in ${domainName} needs an admin binding of the domain`,
      );
    const request = parseInput(CreateTenantRequestSchema, input);
    await this.getDomain(domainName, grant);
    return this.insertProject(
      domainName,
      request.name,
      request.quota ?? {},
      request.driftPolicy ?? 'repair',
    );
  }

  /** Changes a project's drift policy or quota (admins of the domain). */
  async updateProject(
    domainName: string,
    name: string,
    input: unknown,
    grant: Grant,
  ): Promise<Project> {
    const project = await this.getProject(domainName, name, grant);
    if (!grant.canAct(domainName))
      throw new EngineError(
        'FORBIDDEN',
        `changing projects in ${domainName} needs an admin binding of the domain`,
      );
    const request = parseInput(UpdateProjectRequestSchema, input);
    return this.context.store.projects.update({
      ...project,
      ...(request.driftPolicy ? { driftPolicy: request.driftPolicy } : {}),
      ...(request.quota ? { quota: request.quota } : {}),
      updatedAt: isoNow(this.context),
    });
  }

  /** The domain's projects the caller can see. */
  async listProjects(domainName: string, grant: Grant, page: PageRequest): Promise<Page<Project>> {
    await this.getDomain(domainName, grant);
    const scopes = grant.visibleScopes();
    const wholeDomain =
      scopes === undefined ||
      scopes.some((scope) => scope.domain === domainName && scope.project === undefined);
    if (wholeDomain) return this.context.store.projects.list({ domain: domainName }, page);
    const names = [
      ...new Set((scopes ?? []).filter((s) => s.domain === domainName).map((s) => s.project!)),
    ].sort();
    const found = await Promise.all(
      names.map((name) => this.context.store.projects.findByName(domainName, name)),
    );
    return {
      items: found.filter((project): project is Project => project !== null),
      nextCursor: null,
    };
  }

  async getProject(domainName: string, name: string, grant: Grant): Promise<Project> {
    grant.assertVisible('project', `${domainName}/${name}`, domainName, name);
    const project = await this.context.store.projects.findByName(domainName, name);
    if (!project) throw new NotFoundError('project', `${domainName}/${name}`);
    return project;
  }

  /** Refused (409) while databases live in the project. */
  async removeProject(domainName: string, name: string, grant: Grant): Promise<void> {
    const project = await this.getProject(domainName, name, grant);
    grant.assertAllowed('project', `${domainName}/${name}`, domainName, name);
    const live = await this.context.store.databases.countByProject(domainName, name);
    if (live > 0)
      throw new ConflictError(
        `project ${domainName}/${name} still has ${live} database(s); delete them first`,
      );
    await this.context.store.projects.delete(project.id);
  }

  /**
   * Makes sure a database's project exists before anything is created in it. Admins of the domain
   * get a missing domain and project created on the way (they could create them anyway); anyone
   * else is refused with 422 naming `project`, so a typo never creates a tenant by accident.
   * A dry run checks the same and creates nothing.
   */
  async ensureProject(
    domainName: string,
    name: string,
    grant: Grant | undefined,
    options: { dryRun?: boolean } = {},
  ): Promise<void> {
    if (await this.context.store.projects.findByName(domainName, name)) return;
    if (grant && !grant.has('admin', domainName)) {
      throw new EngineError(
        'UNPROCESSABLE',
        `project ${domainName}/${name} does not exist; an admin must create it first`,
        {
          details: [
            {
              path: 'project',
              rule: 'exists',
              message: `project ${domainName}/${name} does not exist`,
            },
          ],
        },
      );
    }
    if (options.dryRun) return;
    if (!(await this.context.store.domains.findByName(domainName))) {
      await this.insertDomain(domainName, {}).catch(ignoreDuplicate);
    }
    await this.insertProject(domainName, name, {}).catch(ignoreDuplicate);
  }

  /**
   * The tenant of an object addressed by id: a database, or an operation (through its database).
   * Null for other resources and for ids that do not exist (the route then answers its own 404).
   */
  async tenantOf(
    resource: string,
    id: string,
  ): Promise<{ domain: string; project: string } | null> {
    const { store } = this.context;
    let databaseId: string | null = null;
    if (resource === 'alerts') return new AlertBook(store).tenantOf(id);
    if (resource === 'databases') databaseId = id;
    else if (resource === 'operations')
      databaseId = (await store.operations.find(id))?.databaseId ?? null;
    if (databaseId === null) return null;
    const database = await store.databases.find(databaseId);
    return database ? { domain: database.domain, project: database.project } : null;
  }

  private async insertDomain(name: string, quota: Domain['quota']): Promise<Domain> {
    const now = isoNow(this.context);
    return this.context.store.domains.create({
      id: this.context.newId(),
      name,
      quota,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
  }

  private async insertProject(
    domain: string,
    name: string,
    quota: Project['quota'],
    driftPolicy: Project['driftPolicy'] = 'repair',
  ): Promise<Project> {
    await this.checkNamespaceFree(domain, name);
    const now = isoNow(this.context);
    return this.context.store.projects.create({
      id: this.context.newId(),
      domain,
      name,
      quota,
      driftPolicy,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** `a-b`/`c` and `a`/`b-c` would share the namespace `a-b-c`: the second one is refused. */
  private async checkNamespaceFree(domain: string, name: string): Promise<void> {
    const namespace = namespaceFor(domain, name);
    for (let i = namespace.indexOf('-'); i > 0; i = namespace.indexOf('-', i + 1)) {
      const [otherDomain, otherName] = [namespace.slice(0, i), namespace.slice(i + 1)];
      if (otherDomain === domain) continue;
      if (await this.context.store.projects.findByName(otherDomain, otherName)) {
        throw new ConflictError(
          `namespace ${namespace} is already used by project ${otherDomain}/${otherName}`,
        );
      }
    }
  }
}

function ignoreDuplicate(error: unknown): void {
  // Another request created it at the same moment: what we wanted exists.
  if (!(error instanceof DuplicateError)) throw error;
}
