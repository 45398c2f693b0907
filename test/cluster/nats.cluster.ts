import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, freePort } from '@switchboard/testing';

/** One node of the cluster: its server name (as JetStream names leaders and replicas) and its process. */
export interface ClusterNode {
  readonly name: string;
  readonly server: NatsServer;
}

/** Replicas of one JetStream stream as the API reports them. */
export interface StreamReplicas {
  readonly stream: string;
  readonly replicas: number;
  readonly leader: string | null;
  /** Followers the leader counts as current (caught up and seen recently). */
  readonly current: number;
}

/**
 * Three nats-server processes clustered on loopback, JetStream on each (its own store directory, client port and
 * route port; routes to the two others), as the production cluster in deploy/ is laid out, on one machine. A node
 * is killed with SIGKILL and restarted on the same ports and store directory, so it rejoins with its data.
 */
export class NatsCluster {
  private observer: { nc: NatsConnection; jsm: JetStreamManager } | null = null;

  private constructor(readonly nodes: readonly ClusterNode[]) {}

  static async start(size = 3): Promise<NatsCluster> {
    const routePorts: number[] = [];
    for (let i = 0; i < size; i++) routePorts.push(await freePort());
    const nodes = routePorts.map((port, i) => {
      const name = `n${i + 1}`;
      const routes = routePorts.filter((p) => p !== port).map((p) => `nats-route://127.0.0.1:${p}`);
      const config = [
        `server_name: ${name}`,
        `cluster {`,
        `  name: sb_cluster`,
        `  listen: "127.0.0.1:${port}"`,
        `  routes: ${JSON.stringify(routes)}`,
        `}`,
      ].join('\n');
      return { name, server: new NatsServer({ config }) };
    });
    const cluster = new NatsCluster(nodes);
    try {
      await Promise.all(nodes.map((n) => n.server.start()));
      await cluster.waitMetaLeader(30_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node's client URL, comma-separated (NATS_URL for the services). */
  get url(): string {
    return this.nodes.map((n) => n.server.url).join(',');
  }

  node(name: string): ClusterNode {
    const found = this.nodes.find((n) => n.name === name);
    if (found === undefined) throw new Error(`no node ${name}`);
    return found;
  }

  /** A JetStream manager on a connection to every node (it follows the cluster when one dies). */
  private async manager(): Promise<JetStreamManager> {
    if (this.observer === null || this.observer.nc.isClosed()) {
      const nc = await connect({ servers: this.nodes.map((n) => n.server.url), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      // jetstreamManager asks JetStream first, which fails until a meta leader is elected: never leave nc open then.
      const jsm = await jetstreamManager(nc, { timeout: 2_000 }).catch(async (error: unknown) => {
        await nc.close().catch(() => undefined);
        throw error;
      });
      this.observer = { nc, jsm };
    }
    return this.observer.jsm;
  }

  /** Waits until JetStream answers (a meta leader is elected). */
  private async waitMetaLeader(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await (await this.manager()).getAccountInfo();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the NATS cluster elected no JetStream leader within ${timeoutMs} ms: ${(error as Error).message}`);
        await sleep(200);
      }
    }
  }

  /** The stream's replicas, leader and current followers; null while the API cannot answer (no leader). */
  async replicas(stream: string): Promise<StreamReplicas | null> {
    try {
      const info: StreamInfo = await (await this.manager()).streams.info(stream);
      const followers = info.cluster?.replicas ?? [];
      return {
        stream,
        replicas: info.config.num_replicas,
        leader: info.cluster?.leader ?? null,
        current: followers.filter((r) => r.current && !r.offline).length,
      };
    } catch {
      return null;
    }
  }

  /** Every stream whose name starts with one of `prefixes` (e.g. the stack's EVENTS stream and its KV buckets). */
  async streams(prefixes: readonly string[]): Promise<string[]> {
    const names: string[] = [];
    for await (const info of (await this.manager()).streams.list()) {
      if (prefixes.some((p) => info.config.name.startsWith(p))) names.push(info.config.name);
    }
    return names.sort();
  }

  /** The stream's durable consumers with their replicas (a consumer's own, else the stream's, as JetStream reports them). */
  async consumerReplicas(stream: string, timeoutMs = 20_000): Promise<Array<{ readonly name: string; readonly replicas: number }>> {
    // Just after the services start, the cluster is busy creating their consumers: a listing may time out, so ask again.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const out: Array<{ name: string; replicas: number }> = [];
        for await (const info of (await this.manager()).consumers.list(stream)) {
          out.push({ name: info.name, replicas: (info.cluster?.replicas?.length ?? 0) + (info.cluster?.leader ? 1 : 0) });
        }
        return out;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  /**
   * Asks `stream`'s leader to step down until `node` leads it (each step-down elects one of the other replicas);
   * true once it does.
   */
  async moveLeader(stream: string, node: string, attempts = 12): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const r = await this.replicas(stream);
      if (r?.leader === node) return true;
      if (r?.leader) {
        const { nc } = this.observer as { nc: NatsConnection };
        await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 2_000 }).catch(() => undefined);
      }
      await this.waitLeader(stream, null, 10_000);
    }
    return (await this.replicas(stream))?.leader === node;
  }

  /** Waits until `stream` has a leader other than `not` (after that node was killed); the time it took, or null. */
  async waitLeader(stream: string, not: string | null, timeoutMs: number): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const r = await this.replicas(stream);
      if (r?.leader && r.leader !== not) return Date.now() - started;
      await sleep(100);
    }
    return null;
  }

  /** Waits until every stream of `streams` has a leader and all its followers current (a restarted node caught up). */
  async waitCurrent(streams: readonly string[], timeoutMs: number): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const all = await Promise.all(streams.map((s) => this.replicas(s)));
      if (all.every((r) => r !== null && r.leader !== null && r.current === r.replicas - 1)) return Date.now() - started;
      await sleep(200);
    }
    return null;
  }

  /** SIGKILLs every node and removes their store directories. */
  async stop(): Promise<void> {
    const observer = this.observer;
    this.observer = null;
    await observer?.nc.close().catch(() => undefined);
    await Promise.allSettled(this.nodes.map((n) => n.server.stop()));
  }
}
