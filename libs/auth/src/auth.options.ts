// The options types live in ./options/, one file a concern; this file keeps the imports that name it
// working, so moving them changed no other file.
export * from './options/auth.options.js';
export * from './options/api-key.options.js';
export * from './options/browser.options.js';
export * from './options/jwt.options.js';
export * from './options/password.options.js';
export * from './options/redis.options.js';
export * from './options/throttle.options.js';
export * from './options/user.options.js';
