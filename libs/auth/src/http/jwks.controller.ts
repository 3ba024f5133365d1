import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../decorators/public.decorator.js';
import { JsonWebKeySet, KeyRing } from '../tokens/key-ring.js';

/** `GET /.well-known/jwks.json`: the public keys that verify this server's tokens. */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyRing) {}

  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): JsonWebKeySet {
    return this.keys.jwks();
  }
}
