// What routing a bus operation through @nestjs/cqrs costs (the use-case registry in libs/messaging), against calling
// the handler directly: one in-process Nest context, a trivial handler, N dispatches each way. Run after `npm run build`:
//   node test/bench/use-case-dispatch.bench.mjs            (env BENCH_N, default 200000)
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { ProvidersOps } from '../../libs/contracts/dist/index.js';
import { CommandOperation, operationMessageClass } from '../../libs/messaging/dist/index.js';

const N = Number(process.env.BENCH_N ?? 200_000);

class EchoHandler {
  async execute(request) {
    return { ok: true, value: request.id };
  }
}
CommandOperation(ProvidersOps.getProvider)(EchoHandler);

class BenchModule {}
Module({ imports: [CqrsModule.forRoot()], providers: [EchoHandler] })(BenchModule);

const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
await app.init();
const bus = app.get(CommandBus);
const handler = app.get(EchoHandler);
const Message = operationMessageClass(ProvidersOps.getProvider);
const request = { actor: { tenantId: 't', keyId: 'k', role: 'admin' }, id: 'prv_1' };

async function time(label, fn) {
  for (let i = 0; i < 10_000; i++) await fn(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const perCallNs = Number(process.hrtime.bigint() - started) / N;
  console.log(`${label.padEnd(32)} ${(perCallNs / 1000).toFixed(2)} µs per call`);
  return perCallNs;
}

const direct = await time('direct handler.execute', () => handler.execute(request));
const viaBus = await time('CommandBus.execute(message)', () => bus.execute(new Message(request)));
console.log(`added by the bus: ${((viaBus - direct) / 1000).toFixed(2)} µs per operation (N=${N})`);
await app.close();
