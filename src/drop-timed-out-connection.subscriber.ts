import { type AfterQueryEvent, type EntitySubscriberInterface, EventSubscriber } from 'typeorm';

/**
 * mysql2 answers a query that ran past its timeout (`enableQueryTimeout`) with an error but leaves
 * the connection waiting for the lost reply, and queries queued on it after that never start their
 * own timer: behind a hung server they would wait forever. This closes such a connection, which
 * fails what is queued on it and makes the pool open a fresh one.
 */
@EventSubscriber()
export class DropTimedOutConnectionSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    const error = event.error as { code?: unknown } | undefined;
    if (event.success || error?.code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
    (
      event.queryRunner as { databaseConnection?: { destroy?: () => void } }
    ).databaseConnection?.destroy?.();
  }
}
