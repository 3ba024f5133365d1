/** An error's message on one line, as the commands print their reason for failing. */
export function oneLineReason(error: Error): string {
  return error.message.replace(/\s+/g, ' ').trim();
}
