import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Inject, Injectable, type Type } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import type { Operation, ParsedRequestOf, ReplyOf, Result } from '@switchboard/contracts';
import { HandleOperation } from './handle-operation.decorator.js';

/**
 * One use case of a service: the handler of one bus operation, found by the service at start-up. A handler is a
 * class in a folder of its own (`<use-case>/<use-case>.handler.ts`, with its spec), decorated with
 * `@CommandOperation(op)` when it changes state or `@QueryOperation(op)` when it only reads; nothing else
 * registers it. The service's one operations controller receives each request on the operation's subject and hands
 * it to @nestjs/cqrs's CommandBus or QueryBus, which find the handler by the operation's message class.
 */
export interface UseCase<O extends Operation> {
  execute(request: UseCaseRequest<O>): UseCaseResult<O>;
}
/** The request a use case gets: the operation's, as the bus boundary parsed it (defaults applied). */
export type UseCaseRequest<O extends Operation> = ParsedRequestOf<O>;
export type UseCaseResult<O extends Operation> = Promise<Result<ReplyOf<O>>>;

export type UseCaseKind = 'command' | 'query';

export interface RegisteredUseCase {
  readonly op: Operation;
  readonly kind: UseCaseKind;
  readonly handler: Type;
}

const registry = new Map<string, RegisteredUseCase>();
const messageClasses = new Map<string, new (request: object) => object>();

/**
 * The command or query class of an operation (one per subject): an instance carries the parsed request's fields,
 * so a handler reads `request.actor` as before, and the buses key handlers by this class.
 */
export function operationMessageClass(op: Operation): new (request: object) => object {
  let found = messageClasses.get(op.subject);
  if (found === undefined) {
    const name = `${op.subject.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}Message`;
    found = {
      [name]: class {
        constructor(request: object) {
          Object.assign(this, request);
        }
      },
    }[name] as new (request: object) => object;
    messageClasses.set(op.subject, found);
  }
  return found;
}

function register(op: Operation, kind: UseCaseKind, handler: Type): void {
  const existing = registry.get(op.subject);
  if (existing !== undefined && existing.handler !== handler) {
    throw new Error(`${op.subject} is handled by both ${existing.handler.name} and ${handler.name}`);
  }
  registry.set(op.subject, { op, kind, handler });
}

/** Marks a class as the use case that handles op and changes state (CommandBus). */
export function CommandOperation(op: Operation): ClassDecorator {
  return (target) => {
    CommandHandler(operationMessageClass(op))(target);
    Injectable()(target);
    register(op, 'command', target as unknown as Type);
  };
}

/** Marks a class as the use case that answers op without changing state (QueryBus). */
export function QueryOperation(op: Operation): ClassDecorator {
  return (target) => {
    QueryHandler(operationMessageClass(op))(target);
    Injectable()(target);
    register(op, 'query', target as unknown as Type);
  };
}

/** The use cases registered for the operations of one catalogue (e.g. ProvidersOps), in the catalogue's order. */
export function useCasesOf(ops: Readonly<Record<string, Operation>>): RegisteredUseCase[] {
  return Object.values(ops).flatMap((op) => {
    const found = registry.get(op.subject);
    return found === undefined ? [] : [found];
  });
}

const HANDLER_FILE = /\.handler\.(js|ts)$/;

/**
 * Imports every `*.handler.js` (or `.ts` under Jest) below `root`, so their decorators register them. Built once
 * per process; specs and declaration files are skipped.
 */
export async function loadUseCases(root: URL): Promise<void> {
  const dir = fileURLToPath(root);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && HANDLER_FILE.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) await import(file);
}

/**
 * The controller that serves use cases on the bus: one method per operation, each verified, parsed and traced by
 * HandleOperation like any handler, then sent to the CommandBus or QueryBus.
 */
export function operationsController(useCases: readonly RegisteredUseCase[]): Type {
  class OperationsController {
    constructor(
      readonly commands: CommandBus,
      readonly queries: QueryBus,
    ) {}
  }
  Inject(CommandBus)(OperationsController, undefined, 0);
  Inject(QueryBus)(OperationsController, undefined, 1);
  for (const { op, kind } of useCases) {
    const Message = operationMessageClass(op);
    const key = `handle ${op.subject}`;
    const method = function (this: OperationsController, request: object): Promise<unknown> {
      const message = new Message(request);
      return kind === 'command' ? this.commands.execute(message) : this.queries.execute(message);
    };
    Object.defineProperty(OperationsController.prototype, key, { value: method, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(OperationsController.prototype, key) as PropertyDescriptor;
    Payload()(OperationsController.prototype, key, 0);
    HandleOperation(op)(OperationsController.prototype, key, descriptor);
  }
  Controller()(OperationsController);
  return OperationsController;
}
