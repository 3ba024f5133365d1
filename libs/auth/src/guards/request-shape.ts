import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** The request properties a Portcullis guard sets: `@CurrentUser()` and `authInfo`. */
const AUTH_REQUEST_PROPERTIES = ['user', 'authInfo'] as const;

/** The part of a Fastify instance this needs (Fastify is an optional peer, so no import of it). */
interface FastifyRequestDecorators {
  decorateRequest(name: string, value: unknown): unknown;
  hasRequestDecorator(name: string): boolean;
}

/**
 * On Fastify, declares `request.user` and `request.authInfo` as request decorators, as Fastify asks of
 * any plugin that adds request properties. Every Fastify request then starts with both (undefined),
 * so setting them in the guard keeps one object shape for all requests. Without it, requests of
 * guarded routes take a shape of their own, and Fastify's and Nest's shared request code serves
 * several shapes at once. A property another plugin already declared (`@fastify/passport` declares
 * `user`) is left alone. Express has no such declaration; nothing is done there.
 */
@Injectable()
export class RequestShape implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // No HTTP adapter (a standalone application context, the CLI): nothing serves requests.
    if (!adapter || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyRequestDecorators>();
    for (const name of AUTH_REQUEST_PROPERTIES) {
      if (!fastify.hasRequestDecorator(name)) fastify.decorateRequest(name, undefined);
    }
  }
}
