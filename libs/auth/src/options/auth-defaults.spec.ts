import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AUTH_DEFAULTS } from './auth-defaults.js';

// The TSDoc `@default` of an option is what users read in their editors; this spec holds it to the
// value the resolvers really fall back to, so the two cannot drift apart.

const OPTIONS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Option paths whose defaults sit elsewhere in AUTH_DEFAULTS (`externalIssuers[]` is each entry). */
const DEFAULTS_PATH_ALIASES: ReadonlyArray<readonly [option: string, defaults: string]> = [
  ['externalIssuers[]', 'externalIssuer'],
  ['routes.prefix', 'routesPrefix'],
];

/**
 * Documented defaults that are not values AUTH_DEFAULTS could hold (read at boot, computed, an object
 * the module builds) or that another library applies.
 */
const DEFAULTS_NOT_IN_AUTH_DEFAULTS: Readonly<Record<string, string>> = {
  userEntity: 'a class (User), chosen by the structural resolver',
  permissionResolver: 'a class (DefaultPermissionResolver), chosen by the module',
  normalizeHandle: 'a function (defaultNormalizeHandle)',
  'jwt.secret': 'read from the AUTH_JWT_SECRET environment variable at boot',
  'jwt.signingKeyId': 'the first key of jwt.keys, whatever it is',
  'jwt.jwks': 'none: left out, there are no extra verify-only keys',
  'apiKeys.pepper': 'AUTH_API_KEY_PEPPER, else derived from the HS256 secret at boot',
  'externalIssuers[].userField': "the app's usernameField",
  'passwordHashing.concurrency': "computed at boot from libuv's threadpool size",
  passwordValidators: 'validator objects built per module by defaultPasswordValidators()',
  'throttle.store': 'a MemoryThrottleStore the module creates',
  'redis.keyPrefix': "ioredis' own default: the option is handed to ioredis as given",
};

/** Values in AUTH_DEFAULTS that no option's `@default` states, and why that is right. */
const UNDOCUMENTED_DEFAULTS: Readonly<Record<string, string>> = {
  resourceServerStrategies:
    "the `strategies` default under mode 'resource-server', stated in the prose of `mode`",
  'browserSessions.cookiePrefix': 'not an option: the cookie names follow browserSessions.secure',
};

/** The `@default` text of every option reachable from `AuthModuleForRootOptions`, by option path. */
function documentedDefaults(): Map<string, string> {
  const files = readdirSync(OPTIONS_DIR)
    .filter((name) => name.endsWith('.options.ts'))
    .map((name) => join(OPTIONS_DIR, name));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const root = program.getSourceFile(join(OPTIONS_DIR, 'auth.options.ts'));
  const forRoot = checker
    .getExportsOfModule(checker.getSymbolAtLocation(root!)!)
    .find((symbol) => symbol.name === 'AuthModuleForRootOptions');
  const found = new Map<string, string>();

  const isOptionsType = (type: ts.Type): boolean =>
    type.getCallSignatures().length === 0 &&
    (type.getSymbol()?.declarations ?? []).some((declaration) =>
      declaration.getSourceFile().fileName.startsWith(OPTIONS_DIR),
    );

  const walk = (type: ts.Type, prefix: string): void => {
    for (const property of checker.getPropertiesOfType(type)) {
      const path = `${prefix}${property.name}`;
      const tag = property.getJsDocTags(checker).find((candidate) => candidate.name === 'default');
      if (tag) found.set(path, ts.displayPartsToString(tag.text).trim());
      const declared = checker.getTypeOfSymbol(property);
      for (const member of declared.isUnion() ? declared.types : [declared]) {
        if (checker.isArrayType(member)) {
          const [element] = checker.getTypeArguments(member as ts.TypeReference);
          if (element && isOptionsType(element)) walk(element, `${path}[].`);
        } else if (isOptionsType(member)) {
          walk(member, `${path}.`);
        }
      }
    }
  };
  walk(checker.getDeclaredTypeOfSymbol(forRoot!), '');
  return found;
}

class NotALiteral extends Error {}

const OPENERS = new Set([ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken]);
const CLOSERS = new Set([ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken]);

function evaluate(node: ts.Expression): unknown {
  if (ts.isParenthesizedExpression(node)) return evaluate(node.expression);
  if (ts.isNumericLiteral(node)) return Number(node.text.replaceAll('_', ''));
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isIdentifier(node) && node.text === 'undefined') return undefined;
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    return -(evaluate(node.operand) as number);
  }
  if (ts.isArrayLiteralExpression(node)) return node.elements.map(evaluate);
  if (ts.isObjectLiteralExpression(node)) {
    return Object.fromEntries(
      node.properties.map((property) => {
        if (!ts.isPropertyAssignment(property) || ts.isComputedPropertyName(property.name)) {
          throw new NotALiteral();
        }
        return [property.name.text, evaluate(property.initializer)];
      }),
    );
  }
  throw new NotALiteral();
}

/**
 * The value a `@default` text starts with (`900 (15 minutes)` is 900), `{ prose }` for a default
 * described in words (`the first of keys`), or `{ unreadable }` for a value followed by something
 * other than a parenthesised remark.
 */
function parseDefault(text: string): { value: unknown } | { prose: true } | { unreadable: string } {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  let depth = 0;
  let end = 0;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (OPENERS.has(token)) depth++;
    else if (CLOSERS.has(token)) depth--;
    if (depth === 0 && token !== ts.SyntaxKind.MinusToken) {
      end = scanner.getTokenEnd();
      break;
    }
  }
  const literal = text.slice(0, end);
  const remark = text.slice(end).trim();
  const source = ts.createSourceFile('default.ts', `(${literal});`, ts.ScriptTarget.Latest);
  const [statement] = source.statements;
  let value: unknown;
  try {
    if (!statement || !ts.isExpressionStatement(statement)) throw new NotALiteral();
    value = evaluate(statement.expression);
  } catch (error) {
    if (error instanceof NotALiteral) return { prose: true };
    throw error;
  }
  if (remark !== '' && !remark.startsWith('(')) return { unreadable: text };
  return { value };
}

function defaultsPath(optionPath: string): string {
  for (const [option, defaults] of DEFAULTS_PATH_ALIASES) {
    if (optionPath === option || optionPath.startsWith(`${option}.`)) {
      return defaults + optionPath.slice(option.length);
    }
  }
  return optionPath;
}

function lookup(path: string): { found: false } | { found: true; value: unknown } {
  let current: unknown = AUTH_DEFAULTS;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) {
      return { found: false };
    }
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

describe('AUTH_DEFAULTS', () => {
  const documented = documentedDefaults();
  const documentedPaths = new Set([...documented.keys()].map(defaultsPath));

  it('finds the documented defaults of the options types', () => {
    // A walk that lost its way would find nothing and pass everything below.
    expect(documented.get('jwt.accessTokenTtl')).toBe('900 (15 minutes)');
    expect(documented.get('externalIssuers[].subjectClaim')).toBe("'sub'");
    expect(documented.size).toBeGreaterThan(40);
  });

  it('holds the value of every @default tag', () => {
    const disagreements: string[] = [];
    for (const [path, text] of documented) {
      const parsed = parseDefault(text);
      const inCode = lookup(defaultsPath(path));
      const exempt = Object.hasOwn(DEFAULTS_NOT_IN_AUTH_DEFAULTS, path);
      if ('unreadable' in parsed) {
        disagreements.push(`${path}: @default ${text} is a value followed by more than a (remark)`);
      } else if (exempt) {
        if (inCode.found) {
          disagreements.push(`${path}: exempted as not in AUTH_DEFAULTS, but AUTH_DEFAULTS has it`);
        }
      } else if ('prose' in parsed) {
        disagreements.push(`${path}: @default ${text} names no value to check against the code`);
      } else if (!inCode.found) {
        disagreements.push(
          `${path}: @default ${text}, but AUTH_DEFAULTS has no ${defaultsPath(path)}`,
        );
      } else {
        try {
          expect(inCode.value).toEqual(parsed.value);
        } catch {
          disagreements.push(
            `${path}: @default ${text}, but AUTH_DEFAULTS has ${JSON.stringify(inCode.value)}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('has a @default tag for each of its values', () => {
    const undocumented: string[] = [];
    const visit = (value: Record<string, unknown>, prefix: string): void => {
      for (const [key, child] of Object.entries(value)) {
        const path = `${prefix}${key}`;
        if (documentedPaths.has(path) || Object.hasOwn(UNDOCUMENTED_DEFAULTS, path)) continue;
        if (isPlainObject(child)) visit(child, `${path}.`);
        else undocumented.push(path);
      }
    };
    visit(AUTH_DEFAULTS as unknown as Record<string, unknown>, '');
    expect(undocumented).toEqual([]);
  });

  it('keeps its exemption lists free of stale entries', () => {
    const stale = [
      ...Object.keys(DEFAULTS_NOT_IN_AUTH_DEFAULTS).filter((path) => !documented.has(path)),
      ...Object.keys(UNDOCUMENTED_DEFAULTS).filter(
        (path) => !lookup(path).found || documentedPaths.has(path),
      ),
    ];
    expect(stale).toEqual([]);
  });

  it('is frozen all the way down', () => {
    const unfrozen: string[] = [];
    const visit = (value: object, path: string): void => {
      if (!Object.isFrozen(value)) unfrozen.push(path || 'AUTH_DEFAULTS');
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === 'object' && child !== null) visit(child, `${path}${key}.`);
      }
    };
    visit(AUTH_DEFAULTS, '');
    expect(unfrozen).toEqual([]);
  });
});
