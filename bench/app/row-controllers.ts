import { Controller, Get, Type } from '@nestjs/common';
import { BENCH_PAYLOAD } from '../bench.constants.js';
import { BENCH_ROWS } from '../bench-rows.js';
import { ROW_GUARDS } from './row-guards.js';

/**
 * One controller per row, built from the row table so that a route, its guard and the runner's idea
 * of it cannot drift apart. Every handler is the same trivial one: the rows differ only in the guard.
 */
export function rowControllers(): Type[] {
  return BENCH_ROWS.map((row) => {
    @Controller(row.path)
    class RowController {
      @Get()
      handle(): typeof BENCH_PAYLOAD {
        return BENCH_PAYLOAD;
      }
    }
    ROW_GUARDS[row.id]?.(RowController);
    // Nest names controllers in errors and route logs; give each its row's name.
    Object.defineProperty(RowController, 'name', { value: `Row_${row.id.replace(/\W/g, '_')}` });
    return RowController;
  });
}
