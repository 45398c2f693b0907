import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import {
  AlertOps,
  appError,
  decodeCursor,
  fail,
  ok,
  TimeIdSortKey,
  type Actor,
  type ParsedRequestOf,
  type ReplyOf,
  type Result,
} from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { USAGE_CLOCK, type UsageClock } from '../queries/usage.controller.js';
import { getAlertSettings, listAlerts, putAlertSettings } from './alerts.queries.js';

type Ops = typeof AlertOps;
type OpResult<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;

/** Tenant admins and members read alerts and their settings; only admins change the settings. */
function tenantOf(actor: Actor, roles: readonly Actor['role'][], what: string): Result<string> {
  if (actor.tenantId === null || !roles.includes(actor.role)) return fail(appError('forbidden', what));
  return ok(actor.tenantId);
}
const reader = (actor: Actor) => tenantOf(actor, ['admin', 'member'], 'only a tenant admin or member key may read alerts');
const admin = (actor: Actor) => tenantOf(actor, ['admin'], 'only an admin key may change alert settings');

@Controller()
export class AlertsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(USAGE_CLOCK) private readonly now: UsageClock,
  ) {}

  @HandleOperation(AlertOps.list)
  async list(@Payload() request: ParsedRequestOf<Ops['list']>): OpResult<'list'> {
    const tenant = reader(request.actor);
    if (!tenant.ok) return tenant;
    const { since, kind, limit } = request;
    const after = decodeCursor(request.cursor, 'alerts', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await listAlerts(this.dataSource, tenant.value, { ...(since ? { since } : {}), ...(kind ? { kind } : {}) }, limit, after.value));
  }

  @HandleOperation(AlertOps.getSettings)
  async getSettings(@Payload() request: ParsedRequestOf<Ops['getSettings']>): OpResult<'getSettings'> {
    const tenant = reader(request.actor);
    if (!tenant.ok) return tenant;
    return ok(await getAlertSettings(this.dataSource, tenant.value));
  }

  @HandleOperation(AlertOps.putSettings)
  async putSettings(@Payload() request: ParsedRequestOf<Ops['putSettings']>): OpResult<'putSettings'> {
    const tenant = admin(request.actor);
    if (!tenant.ok) return tenant;
    const saved = await putAlertSettings(this.dataSource, tenant.value, request.changes, request.expectedVersion, this.now());
    if (saved === null) {
      const current = await getAlertSettings(this.dataSource, tenant.value);
      return fail(appError('version_conflict', `alert settings are at version ${current.version}, expected ${request.expectedVersion}`));
    }
    return ok(saved);
  }
}
