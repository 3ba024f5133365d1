// `portcullis/augment`, imported for its types only: Express' `request.user` (declared by
// @types/passport as `Express.User`) becomes the app's user entity named in `PortcullisUserRegistry`.
import type { RequestUser } from './users/request-user.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the shape @types/passport declares
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges into Express.User
    interface User extends RequestUser {}
  }
}

export {};
