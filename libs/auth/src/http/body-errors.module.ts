import { DynamicModule, Inject, Module, NestModule, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { ValidationFailedException } from '../errors/auth.exception.js';

const MOUNTED_CONTROLLERS = Symbol('portcullis:mounted-controllers');

/** A route of Portcullis: its method and its path split in segments (`:name` matches any one). */
interface LibraryRoute {
  method: string;
  segments: string[];
}

/**
 * What body-parser (Express) and Fastify's content-type parsers throw for a body that cannot be read
 * as JSON or a form: malformed or non-object JSON (Express' strict mode), an empty JSON body, an
 * unsupported media type or charset. A body too large or an aborted request is not the client's
 * shape of the body and keeps its own answer.
 */
const BODY_PARSER_TYPES = new Set([
  'entity.parse.failed',
  'charset.unsupported',
  'encoding.unsupported',
]);
const FASTIFY_BODY_CODES = new Set([
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
]);

function isUnreadableBody(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { type, code } = error as { type?: unknown; code?: unknown };
  return (
    (typeof type === 'string' && BODY_PARSER_TYPES.has(type)) ||
    (typeof code === 'string' && FASTIFY_BODY_CODES.has(code))
  );
}

/** The answer of a library route to a body it cannot read, the same as to a body that is no object. */
export function unreadableBodyException(): ValidationFailedException {
  return new ValidationFailedException([
    { field: 'body', message: 'The body must be a JSON object.' },
  ]);
}

/**
 * Makes Portcullis' own routes answer a body the HTTP adapter could not parse (malformed JSON, a JSON
 * scalar under Express' strict parser, a media type with no parser) with 400 `validation_failed`, as
 * they answer a well-formed body of the wrong shape. The adapters throw those errors before any Nest
 * filter of the route runs, so the swap sits in the adapter, for these routes only: an Express error
 * middleware that matches the library's paths, a Fastify error handler on each library route. The new
 * exception goes on to the app's exception layer like any other Portcullis error; the app's own routes
 * keep the adapter's answers. Installed from `configure()`, the one hook that runs before Nest
 * registers the routes, which Fastify needs to give a route its own error handler.
 */
@Module({})
export class BodyErrorsModule implements NestModule {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MOUNTED_CONTROLLERS) private readonly controllers: Type<unknown>[],
  ) {}

  /** The module for the controllers an `AuthModule` mounts. */
  static forControllers(controllers: Type<unknown>[]): DynamicModule {
    return {
      module: BodyErrorsModule,
      providers: [{ provide: MOUNTED_CONTROLLERS, useValue: controllers }],
    };
  }

  configure(): void {
    const adapter = this.adapterHost.httpAdapter;
    const routes = libraryRoutes(this.controllers);
    if (!adapter || routes.length === 0) return;
    const instance = adapter.getInstance() as {
      addHook?: (name: 'onRoute', hook: (route: FastifyRouteOptions) => void) => void;
    };
    if (adapter.getType() === 'fastify' && typeof instance.addHook === 'function') {
      instance.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (!methods.some((method) => matches(routes, method, route.url))) return;
        const own = route.errorHandler;
        // A throw hands the error to the parent handler: Nest's exception layer.
        route.errorHandler = (error, request, reply) => {
          if (isUnreadableBody(error)) throw unreadableBodyException();
          if (own) return own(error, request, reply);
          throw error;
        };
      });
      return;
    }
    if (adapter.getType() === 'express') {
      adapter.use(
        (
          error: unknown,
          request: { method: string; originalUrl?: string; url: string },
          _response: unknown,
          next: (error: unknown) => void,
        ) => {
          const path = (request.originalUrl ?? request.url).split('?', 1)[0];
          next(
            isUnreadableBody(error) && matches(routes, request.method, path)
              ? unreadableBodyException()
              : error,
          );
        },
      );
    }
  }
}

interface FastifyRouteOptions {
  method: string | string[];
  url: string;
  errorHandler?: (error: unknown, request: unknown, reply: unknown) => unknown;
}

/** The routes of `controllers` that can carry a body, from their Nest metadata. */
function libraryRoutes(controllers: Type<unknown>[]): LibraryRoute[] {
  const routes: LibraryRoute[] = [];
  for (const controller of controllers) {
    const base = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
    for (let proto = controller.prototype; proto && proto !== Object.prototype;) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || method === RequestMethod.GET || method === RequestMethod.HEAD)
          continue;
        for (const prefix of base) {
          for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({
              method: RequestMethod[method],
              segments: segmentsOf(`${prefix}/${path}`),
            });
          }
        }
      }
      proto = Object.getPrototypeOf(proto) as object;
    }
  }
  return routes;
}

function pathsOf(metadata: unknown): string[] {
  if (Array.isArray(metadata)) return metadata.map(String);
  return [typeof metadata === 'string' ? metadata : ''];
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/**
 * True when `path` (a request path, or a route pattern) ends with one of the library's routes: the
 * end, because a global prefix may come before the routes prefix.
 */
function matches(routes: readonly LibraryRoute[], method: string, path: string): boolean {
  const segments = segmentsOf(path);
  const upper = method.toUpperCase();
  return routes.some((route) => {
    if (route.method !== upper && route.method !== 'ALL') return false;
    const offset = segments.length - route.segments.length;
    if (offset < 0) return false;
    return route.segments.every(
      (segment, i) => segment.startsWith(':') || segment === segments[offset + i],
    );
  });
}
