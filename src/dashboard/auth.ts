import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** Whether `host` (a bind address or a Host header's name) only reaches this machine. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  if (net.isIPv6(name)) return name === '::1' || name.startsWith('::ffff:127.');
  return false;
}

/** The hostname of a Host header (`127.0.0.1:7400`, `[::1]:7400`, `localhost`). */
export function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(hostHeader);
  return bracketed ? bracketed[1] : hostHeader.replace(/:\d+$/, '');
}

/** The token a request carries: `Authorization: Bearer <token>` or `?token=`. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : undefined;
  return bearer ?? url.searchParams.get('token') ?? undefined;
}

/** Constant-time comparison (of digests, so lengths do not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}
