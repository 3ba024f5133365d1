import type { ExecutionContext } from '@nestjs/common';

/**
 * What a guard reads from a route's metadata, read once per route (controller class and handler)
 * instead of on every request: reflect-metadata walks both targets' prototype chains on each read.
 * Route metadata is fixed once the app has started, as Nest's own route tables assume.
 */
export class RouteMetadata<T> {
  private readonly byController = new WeakMap<object, WeakMap<object, T>>();

  constructor(private readonly read: (context: ExecutionContext) => T) {}

  /** The value for the route of `context`. */
  of(context: ExecutionContext): T {
    const controller = context.getClass();
    const handler = context.getHandler();
    // A hand-made context (a test's) may lack either; it is read, not remembered.
    if (typeof controller !== 'function' || typeof handler !== 'function')
      return this.read(context);
    let byHandler = this.byController.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.byController.set(controller, byHandler);
    }
    if (byHandler.has(handler)) return byHandler.get(handler) as T;
    const value = this.read(context);
    byHandler.set(handler, value);
    return value;
  }
}
