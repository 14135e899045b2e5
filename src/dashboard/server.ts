import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthSource, SwarmHealthProbe } from '../analytics/health';
import { HOUR_MS } from '../analytics/metrics';
import type { FailureStore } from '../analytics/store';
import type { ScalingEventStore } from '../scaling/events';
import type { AlertStore } from '../analytics/alerts';
import type { MissionsSource } from '../missions/overview';
import { alertsView } from './missions-view';
import { DreamError, errorMessage, isDreamError } from '../errors';
import { logger } from '../logger';
import { ApiContext, apiRoutes, dashboardSnapshot, missionsSnapshot, parseSince } from './api';
import { loadAssets } from './assets';
import { hostName, isLoopback, requestToken, tokenMatches } from './auth';
import { EventStreams, StreamClient } from './sse';

export interface DashboardOptions {
  /** The store to show. The dashboard only reads it. */
  store: FailureStore;
  /** Interface to bind. Default `127.0.0.1`; any non-loopback host requires `token`. */
  host?: string;
  /** Port; 0 picks a free one. Default 7400. */
  port?: number;
  /** Required for every /api request when set (`Authorization: Bearer <token>` or `?token=`). */
  token?: string;
  /** Base URL of the Temporal Web UI, for links to workflow runs. Default `http://localhost:8233`. */
  temporalUiUrl?: string;
  /** Temporal namespace of the linked runs. Default `default`. */
  namespace?: string;
  /** Live swarm figures (agents, workers, pollers, tasks), e.g. `temporalHealthSource`. Default: store figures only. */
  healthSource?: HealthSource;
  /** Scaling decisions (the nexus worker's scaling.db), for the workers-against-backlog chart. */
  scalingEvents?: ScalingEventStore;
  /** The control tower's alerts (the nexus worker's alerts.db), for the alerts panel. */
  alerts?: AlertStore;
  /** Missions from Temporal (e.g. `temporalMissionsSource`), for the missions view; pushed with health. */
  missions?: MissionsSource;
  /** Window shown when a request names none. Default 24 hours. */
  defaultWindowMs?: number;
  /** How often the store file is checked for writes by other processes. Default 2 s. */
  pollMs?: number;
  /** Live updates are coalesced to at most one per this interval. Default 250 ms. */
  pushEveryMs?: number;
  /** How often swarm health is pushed to open pages. Default 5 s. */
  healthEveryMs?: number;
}

export interface RunningDashboard {
  /** `http://<host>:<port>` (without the token). */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function send(res: http.ServerResponse, status: number, body: string | Buffer, contentType: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string, fix: string): void {
  sendJson(res, status, { error: { code, message, fix } });
}

/**
 * Serves the failure analytics dashboard: the page, Chart.js (from node_modules), a JSON API and
 * a server-sent event stream (`/api/events`) that pushes a new snapshot whenever events are
 * recorded (by this process, or by another one writing the same file) and swarm health every
 * few seconds.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token) {
    throw new DreamError(
      'DASHBOARD_TOKEN_REQUIRED',
      `The dashboard would listen on ${host}, reachable from other machines, without a token.`,
      'Pass a token (--token or DashboardOptions.token), or bind to 127.0.0.1.',
    );
  }
  const { store } = options;
  const assets = loadAssets();
  const health = new SwarmHealthProbe({ store, source: options.healthSource });
  const defaultWindowMs = options.defaultWindowMs ?? 24 * HOUR_MS;
  const ctx: ApiContext = { store, health, temporalUiUrl: options.temporalUiUrl ?? 'http://localhost:8233', namespace: options.namespace ?? 'default', defaultWindowMs, scaling: options.scalingEvents, alerts: options.alerts, missions: options.missions };
  const routes = apiRoutes(ctx);
  const streams = new EventStreams();

  const snapshotFor = (client: StreamClient) => {
    const now = Date.now();
    return dashboardSnapshot(ctx, parseSince(client.since, now, defaultWindowMs), now);
  };
  const pushSnapshots = () => {
    // Pages showing the same window get the same snapshot, computed once.
    const bySince = new Map<string | null, ReturnType<typeof snapshotFor>>();
    streams.each((client) => {
      try {
        const snapshot = bySince.get(client.since) ?? snapshotFor(client);
        bySince.set(client.since, snapshot);
        streams.send(client, 'dashboard', snapshot);
      } catch (err) {
        logger.warn({ event: 'dashboard.push-failed', err: errorMessage(err) }, 'could not push a dashboard update');
      }
    });
  };
  const pushHealth = () => {
    if (streams.size === 0) return;
    health
      .check()
      .then((value) => streams.each((client) => streams.send(client, 'health', value)))
      .catch((err) => logger.warn({ event: 'dashboard.health-failed', err: errorMessage(err) }, 'could not push swarm health'));
  };

  const alertsFor = (client: StreamClient) => alertsView(options.alerts, parseSince(client.since, Date.now(), defaultWindowMs));
  const pushAlerts = () => streams.each((client) => streams.send(client, 'alerts', alertsFor(client)));
  const pushMissions = () => {
    if (streams.size === 0) return;
    missionsSnapshot(ctx, Date.now())
      .then((value) => streams.each((client) => streams.send(client, 'missions', value)))
      .catch((err) => logger.warn({ event: 'dashboard.missions-failed', err: errorMessage(err) }, 'could not push the missions view'));
  };

  let pending: NodeJS.Timeout | undefined;
  const schedulePush = () => {
    if (pending || streams.size === 0) return;
    pending = setTimeout(() => {
      pending = undefined;
      pushSnapshots();
      // The error rate and budget burn in the health panel move with every write too.
      pushHealth();
    }, options.pushEveryMs ?? 250);
  };
  const unsubscribe = store.onRecorded(schedulePush);
  const unsubscribeAlerts = options.alerts?.onRecorded(pushAlerts) ?? (() => false);
  let seenVersion = store.dataVersion();
  let seenAlerts = options.alerts?.dataVersion();
  const poll = setInterval(() => {
    const version = store.dataVersion();
    if (version !== seenVersion) schedulePush();
    seenVersion = version;
    // Alerts written by another process (a dashboard reading the nexus worker's file).
    const alertsVersion = options.alerts?.dataVersion();
    if (alertsVersion !== seenAlerts) pushAlerts();
    seenAlerts = alertsVersion;
  }, options.pollMs ?? 2_000);
  const healthTimer = setInterval(() => {
    pushHealth();
    pushMissions();
  }, options.healthEveryMs ?? 5_000);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'DASHBOARD_METHOD', `${req.method} is not supported.`, 'The dashboard only answers GET.');
    // Without a token, only loopback names: a page elsewhere cannot rebind its DNS name to us and read the API.
    if (!options.token && !isLoopback(hostName(req.headers.host))) {
      return sendError(res, 403, 'DASHBOARD_HOST', `Host ${req.headers.host ?? '(none)'} is not a loopback name.`, 'Open the dashboard at 127.0.0.1 or localhost.');
    }
    const asset = assets.get(url.pathname);
    if (asset) return send(res, 200, asset.body, asset.contentType);
    if (!url.pathname.startsWith('/api/')) return send(res, 404, 'Not found', 'text/plain; charset=utf-8');
    if (options.token && !tokenMatches(requestToken(req, url), options.token)) {
      return sendError(res, 401, 'DASHBOARD_UNAUTHORIZED', 'This dashboard needs a token.', 'Send `Authorization: Bearer <token>` or add ?token=<token> to the URL.');
    }
    if (url.pathname === '/api/events') {
      const since = url.searchParams.get('since');
      parseSince(since, Date.now(), defaultWindowMs);
      const client = streams.open(res, since, SECURITY_HEADERS);
      streams.send(client, 'dashboard', snapshotFor(client));
      streams.send(client, 'alerts', alertsFor(client));
      streams.send(client, 'health', await health.check());
      // Missions come from Temporal and may take a while: they follow without holding the stream.
      missionsSnapshot(ctx, Date.now())
        .then((value) => streams.send(client, 'missions', value))
        .catch((err) => logger.warn({ event: 'dashboard.missions-failed', err: errorMessage(err) }, 'could not send the missions view'));
      return;
    }
    const route = routes.get(url.pathname);
    if (!route) return sendError(res, 404, 'DASHBOARD_NOT_FOUND', `No API at ${url.pathname}.`, 'See src/dashboard/api.ts for the endpoints.');
    try {
      sendJson(res, 200, await route(url.searchParams, Date.now()));
    } catch (err) {
      if (isDreamError(err)) return sendError(res, 400, err.code, err.message, err.fix);
      logger.error({ event: 'dashboard.api-failed', path: url.pathname, err: errorMessage(err) }, 'dashboard API failed');
      sendError(res, 500, 'DASHBOARD_INTERNAL', errorMessage(err), 'See the dashboard log.');
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendError(res, 500, 'DASHBOARD_INTERNAL', errorMessage(err), 'See the dashboard log.');
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new DreamError('DASHBOARD_LISTEN', `Cannot listen on ${host}:${options.port ?? 7400}: ${err.message}`, 'Choose another port (--port or DREAMOS_DASHBOARD_PORT), or stop what uses this one.', { cause: err })),
      );
      server.listen(options.port ?? 7400, host, () => resolve());
    });
  } catch (err) {
    // Nothing may keep reading the store once the caller gives up on this dashboard.
    clearInterval(poll);
    clearInterval(healthTimer);
    unsubscribe();
    unsubscribeAlerts();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    async close() {
      unsubscribe();
      unsubscribeAlerts();
      clearInterval(poll);
      clearInterval(healthTimer);
      if (pending) clearTimeout(pending);
      streams.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
