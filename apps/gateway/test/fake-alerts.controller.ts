import { Controller, Inject, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AlertOps,
  DEFAULT_ALERT_SETTINGS,
  appError,
  fail,
  ok,
  type AlertSettingsView,
  type AlertView,
  type ParsedRequestOf,
  type ReplyOf,
  type Result,
} from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';

type Ops = typeof AlertOps;

/** What the fake usage-service answers for alerts, and every request it received (in order). */
export class FakeAlertsState {
  alerts: AlertView[] = [];
  settings: AlertSettingsView = { ...DEFAULT_ALERT_SETTINGS, version: 0 };
  readonly lists: ParsedRequestOf<Ops['list']>[] = [];
  readonly settingsRequests: (ParsedRequestOf<Ops['getSettings']> | ParsedRequestOf<Ops['putSettings']>)[] = [];

  get requestCount(): number {
    return this.lists.length + this.settingsRequests.length;
  }
}

const FAKE_ALERTS_STATE = Symbol('FAKE_ALERTS_STATE');

/** A stand-in for usage-service answering AlertOps over real NATS: settings merge and version like the real one. */
@Controller()
export class FakeAlertsController {
  constructor(@Inject(FAKE_ALERTS_STATE) private readonly s: FakeAlertsState) {}

  @HandleOperation(AlertOps.list)
  async list(@Payload() request: ParsedRequestOf<Ops['list']>): Promise<Result<ReplyOf<Ops['list']>>> {
    this.s.lists.push(request);
    return ok({ data: this.s.alerts, nextCursor: null });
  }

  @HandleOperation(AlertOps.getSettings)
  async getSettings(@Payload() request: ParsedRequestOf<Ops['getSettings']>): Promise<Result<ReplyOf<Ops['getSettings']>>> {
    this.s.settingsRequests.push(request);
    return ok(this.s.settings);
  }

  @HandleOperation(AlertOps.putSettings)
  async putSettings(@Payload() request: ParsedRequestOf<Ops['putSettings']>): Promise<Result<ReplyOf<Ops['putSettings']>>> {
    this.s.settingsRequests.push(request);
    if (request.expectedVersion !== undefined && request.expectedVersion !== this.s.settings.version) {
      return fail(appError('version_conflict', `alert settings are at version ${this.s.settings.version}, expected ${request.expectedVersion}`));
    }
    this.s.settings = { ...this.s.settings, ...request.changes, version: this.s.settings.version + 1 };
    return ok(this.s.settings);
  }
}

export function fakeAlertsModule(state: FakeAlertsState) {
  @Module({ controllers: [FakeAlertsController], providers: [{ provide: FAKE_ALERTS_STATE, useValue: state }] })
  class FakeAlertsModule {}
  return FakeAlertsModule;
}
