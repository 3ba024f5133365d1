import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { REPLY_OF_REQUEST } from '../http-request/response-of.js';

/** The request properties a Portcullis guard sets: `@CurrentUser()` and `authInfo`. */
const AUTH_REQUEST_PROPERTIES = ['user', 'authInfo'] as const;

/** The part of a Fastify instance this needs (Fastify is an optional peer, so no import of it). */
interface FastifyRequestDecorators {
  decorateRequest(name: string | symbol, value: unknown): unknown;
  hasRequestDecorator(name: string | symbol): boolean;
  addHook(
    name: 'onRequest',
    hook: (request: Record<symbol, unknown>, reply: unknown, done: () => void) => void,
  ): unknown;
}

/** The part of a Node HTTP server this needs. */
interface RequestEmitter {
  prependListener(event: 'request', listener: (request: Record<string, unknown>) => void): unknown;
}

/** HTTP servers whose requests already get the properties, so two apps on one server add it once. */
const DECLARING_SERVERS = new WeakSet<object>();

/**
 * Gives every request `user` and `authInfo` (undefined) before any route sees it, so that a guard
 * setting them writes properties that exist instead of adding new ones.
 *
 * - Fastify: declares both as request decorators, as Fastify asks of any plugin that adds request
 *   properties. Without it, requests of guarded routes take a shape of their own, and Fastify's and
 *   Nest's shared request code serves several shapes at once. A property another plugin already
 *   declared (`@fastify/passport` declares `user`) is left alone.
 *   Fastify's request has no link to its reply, which a Passport strategy (handed only the request)
 *   needs for its challenge and cookies under `@nestjs/passport`'s `AuthGuard`: each request keeps
 *   it under {@link REPLY_OF_REQUEST}.
 * - Express: sets both on each request as the HTTP server receives it (a `request` listener put
 *   before Express's). Express 5 then replaces the request's prototype, after which V8 gives every
 *   request an object shape of its own: each property added later builds a new shape, and setting
 *   properties that exist costs a fraction of adding them (bench/README.md). An
 *   app that hands its Express instance to another server (serverless) simply does without it.
 */
@Injectable()
export class RequestShape implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // No HTTP adapter (a standalone application context, the CLI): nothing serves requests.
    if (!adapter) return;
    if (adapter.getType() === 'fastify') {
      const fastify = adapter.getInstance<FastifyRequestDecorators>();
      for (const name of AUTH_REQUEST_PROPERTIES) {
        if (!fastify.hasRequestDecorator(name)) fastify.decorateRequest(name, undefined);
      }
      if (!fastify.hasRequestDecorator(REPLY_OF_REQUEST)) {
        fastify.decorateRequest(REPLY_OF_REQUEST, undefined);
        fastify.addHook('onRequest', keepReply);
      }
      return;
    }
    const server = adapter.getHttpServer() as Partial<RequestEmitter> | undefined;
    if (!server || typeof server.prependListener !== 'function') return;
    if (DECLARING_SERVERS.has(server)) return;
    DECLARING_SERVERS.add(server);
    server.prependListener('request', declareAuthProperties);
  }
}

/** Runs first for each request on an Express app's server (see {@link RequestShape}). */
function declareAuthProperties(request: Record<string, unknown>): void {
  request.user = undefined;
  request.authInfo = undefined;
}

/** Runs first for each request on a Fastify app (see {@link RequestShape}). */
function keepReply(request: Record<symbol, unknown>, reply: unknown, done: () => void): void {
  request[REPLY_OF_REQUEST] = reply;
  done();
}
