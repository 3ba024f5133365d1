/**
 * Thrown by a Portcullis migration when it cannot run safely: the connection's driver has no Portcullis
 * SQL, or a table the migration would create already exists with a different shape. The migration run
 * stops before recording the migration as done, so nothing is hidden; the message says what to fix.
 */
export class PortcullisMigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortcullisMigrationError';
  }
}
