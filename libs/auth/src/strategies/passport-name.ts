/**
 * The name a Portcullis strategy is registered under in Passport's process-wide registry:
 * `portcullis-<name>`. Portcullis' guards use their own strategy instances and never look names up
 * there; the prefix keeps an application's own `PassportStrategy(Strategy, 'jwt')` (the NestJS
 * documentation's recipe) from being replaced by ours, or ours by it.
 */
export function passportName(strategy: string): string {
  return `portcullis-${strategy}`;
}
