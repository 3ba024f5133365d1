// The direction of imports in the library, checked by `npm run lint:layers` (part of `npm run lint`).
// docs/development.md#layers explains the layers; a rule's `comment` is what a violation prints.
//
// Lowest to highest: foundation and options, stores and domain services, backends, strategies,
// guards, decorators, then http/ and cli/ side by side, and the entry points that assemble them. A
// layer imports only layers below it. The request (http-request/) is read from strategies/ upwards.

const SRC = '^libs/auth/src/';
const layer = (...folders) => `${SRC}(${folders.join('|')})/`;

const FOUNDATION = layer('common', 'database', 'errors');
// Options and the module's tokens: read by every layer, so they may name stores' types but nothing
// that reads a request. `options/` is where they are headed.
const CONFIG = `${SRC}(options/|auth\\.(constants|internal-constants|options|resolved-options|module-definition)\\.ts$)`;
const HTTP_REQUEST = layer('http-request');
const STORES = layer(
  'users',
  'passwords',
  'permissions',
  'api-keys',
  'sessions',
  'tokens',
  'throttle',
  'redis',
  'events',
  'migrations',
  'mail',
  'account-flows',
);
const BACKENDS = layer('backends');
const STRATEGIES = layer('strategies');
const GUARDS = layer('guards');
const DECORATORS = layer('decorators');
const HTTP = layer('http');
const CLI = layer('cli');
// What assembles or publishes the layers; nothing inside the library imports these.
const ENTRY_POINTS = `${SRC}((index|auth\\.module|augment)\\.ts|cli/index\\.ts|migrations/index\\.ts)$`;

const ABOVE_STORES = [BACKENDS, STRATEGIES, GUARDS, DECORATORS, HTTP, CLI];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle of runtime imports makes one module see the other half-initialised (undefined ' +
        'classes in Nest injection). Move what both need into a lower module. Type-only imports ' +
        'are erased at runtime and do not count.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'library-not-to-app-or-tests',
      severity: 'error',
      comment:
        'The library is published on its own: it must not import the example app (src/), the tests, ' +
        'the benchmark or the scripts.',
      from: { path: SRC },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'not-to-entry-points',
      severity: 'error',
      comment:
        'index.ts, auth.module.ts and the subpath index files sit above every layer: importing one ' +
        'from inside the library pulls in the whole library. Import the module that defines the name.',
      from: { path: SRC, pathNot: ENTRY_POINTS },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'foundation-not-upward',
      severity: 'error',
      comment:
        'common/, database/ and errors/ sit below everything: they import only each other, the ' +
        'options and packages.',
      from: { path: FOUNDATION },
      to: { path: [HTTP_REQUEST, STORES, ...ABOVE_STORES] },
    },
    {
      name: 'config-not-upward',
      severity: 'error',
      comment:
        'The options are read by every layer, so they name the types of stores only; an import of ' +
        'anything above would reach every store through them. Strategy classes are named by type.',
      from: { path: CONFIG },
      to: { path: [HTTP_REQUEST, BACKENDS, GUARDS, DECORATORS, HTTP, CLI] },
    },
    {
      name: 'config-names-strategies-by-type-only',
      severity: 'error',
      comment:
        'An app lists its own strategy classes in the options; the options name CredentialStrategy ' +
        'as a type (import type), never load a strategy.',
      from: { path: CONFIG },
      to: { path: STRATEGIES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'http-request-not-upward',
      severity: 'error',
      comment:
        'http-request/ (AuthRequest, headers, cookies) sits below every layer that reads a request: ' +
        'it imports only the foundation and the options.',
      from: { path: HTTP_REQUEST },
      to: { path: [STORES, ...ABOVE_STORES] },
    },
    {
      name: 'stores-not-upward',
      severity: 'error',
      comment:
        'Stores and domain services (users, passwords, permissions, api-keys, sessions, tokens, ' +
        'throttle, redis, events, migrations, mail, account-flows) sit below backends: they never import strategies/, ' +
        'guards/, decorators/, http/ or cli/.',
      from: { path: STORES },
      to: { path: [STRATEGIES, GUARDS, DECORATORS, HTTP, CLI] },
    },
    {
      name: 'stores-not-to-backends',
      severity: 'error',
      comment:
        'Backends are built on the stores, never the other way: what a store shares with a backend ' +
        '(a claim name, a type) lives in the store.',
      from: { path: STORES },
      to: { path: BACKENDS },
    },
    {
      name: 'stores-not-to-the-request',
      severity: 'error',
      comment:
        'Stores never see a request: whoever reads one (a strategy, a guard, a controller) passes ' +
        'them plain values.',
      from: { path: STORES },
      to: { path: HTTP_REQUEST },
    },
    {
      name: 'backends-not-upward',
      severity: 'error',
      comment:
        'Backends turn a credential into a verdict: they import stores and below, never ' +
        'strategies/, guards/, decorators/, http/ or cli/.',
      from: { path: BACKENDS },
      to: { path: [STRATEGIES, GUARDS, DECORATORS, HTTP, CLI] },
    },
    {
      name: 'backends-not-to-the-request',
      severity: 'error',
      comment:
        'Backends never know about HTTP: a strategy reads the credential from the request and ' +
        'hands the backend plain values.',
      from: { path: BACKENDS },
      to: { path: HTTP_REQUEST },
    },
    {
      name: 'strategies-not-upward',
      severity: 'error',
      comment:
        'Strategies adapt a request to a backend: they never import guards/, decorators/, http/ or ' +
        'cli/.',
      from: { path: STRATEGIES },
      to: { path: [GUARDS, DECORATORS, HTTP, CLI] },
    },
    {
      name: 'guards-not-upward',
      severity: 'error',
      comment: 'Guards run the strategies: they never import http/ or cli/.',
      from: { path: GUARDS },
      to: { path: [HTTP, CLI] },
    },
    {
      name: 'guards-not-to-decorators',
      severity: 'error',
      comment:
        'Decorators apply guards, so guards never import decorators: the metadata a decorator ' +
        'writes is described by a constant and a type below both.',
      from: { path: GUARDS },
      to: { path: DECORATORS },
    },
    {
      name: 'decorators-not-upward',
      severity: 'error',
      comment: 'Decorators may apply guards; they never import http/ or cli/.',
      from: { path: DECORATORS },
      to: { path: [HTTP, CLI] },
    },
    {
      name: 'cli-not-to-http',
      severity: 'error',
      comment:
        'The commands and the controllers are two front ends over the same services: what both ' +
        'need lives below them (users/registration-input.ts, for example).',
      from: { path: CLI },
      to: { path: HTTP },
    },
    {
      name: 'http-not-to-cli',
      severity: 'error',
      comment: 'The controllers never import the commands (nest-commander is an optional peer).',
      from: { path: HTTP },
      to: { path: CLI },
    },
    {
      name: 'every-folder-has-a-layer',
      severity: 'error',
      comment:
        'Each file of the library belongs to a layer of .dependency-cruiser.mjs; a new folder gets ' +
        'its place there (and in docs/development.md) before it can be imported.',
      from: { path: SRC },
      to: {
        path: SRC,
        pathNot: [FOUNDATION, CONFIG, HTTP_REQUEST, STORES, ...ABOVE_STORES, ENTRY_POINTS],
      },
    },
    {
      name: 'app-uses-the-public-api',
      severity: 'error',
      comment:
        'The example app (src/) is what users copy: it imports the library as `portcullis` ' +
        '(and its subpaths) only, never a file inside it.',
      from: { path: '^src/' },
      to: { path: SRC, pathNot: ENTRY_POINTS },
    },
  ],
  options: {
    // Type-only imports count: they are how one layer comes to know another's shapes.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Specs are not shipped, and may put layers together (a guard's spec applies its decorator).
    exclude: { path: ['node_modules', '(^|/)dist/', '\\.spec\\.ts$'] },
  },
};
