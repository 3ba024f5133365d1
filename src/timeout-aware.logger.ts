import { AdvancedConsoleLogger } from 'typeorm';

/**
 * TypeORM's console logger, except that a slow query (with `maxQueryExecutionTime`, every query that
 * hit the timeout) is logged without its parameters: they can hold password hashes.
 */
export class TimeoutAwareLogger extends AdvancedConsoleLogger {
  override logQuerySlow(time: number, query: string): void {
    super.logQuerySlow(time, query);
  }
}
