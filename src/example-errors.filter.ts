import { type ArgumentsHost, Catch, NotFoundException } from '@nestjs/common';
import { AuthException, ResourceNotFoundException, ServiceUnavailableFilter } from 'portcullis';

/**
 * The example app's errors in Portcullis' shape, so a client reads one kind of body everywhere: an
 * unknown route, or a 404 thrown as Nest's NotFoundException, is `not_found`; an outage is
 * `service_unavailable` ({@link ServiceUnavailableFilter}).
 */
@Catch()
export class ExampleErrorsFilter extends ServiceUnavailableFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof NotFoundException && !(exception instanceof AuthException)) {
      super.catch(new ResourceNotFoundException(exception.message), host);
      return;
    }
    super.catch(exception, host);
  }
}
