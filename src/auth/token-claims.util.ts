import type { AppConfig } from '../config/app.config';

/** The role that makes a moderator, in the roles claim of a token. */
export const MODERATOR_ROLE = 'moderator';

/** The claim at `path`: a name, or a dotted path that reaches into nested objects (`realm_access.roles`). */
export function claimAt(claims: object, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Whether the roles claim (AUTH_EXTERNAL_ROLES_CLAIM) holds `moderator`: an array of strings, or
 * one string of roles separated by spaces or commas (both are seen in the wild).
 */
export function hasModeratorRole(claims: object, rolesClaim: string): boolean {
  let roles = claimAt(claims, rolesClaim);
  if (typeof roles === 'string') roles = roles.split(/[\s,]+/);
  return Array.isArray(roles) && roles.includes(MODERATOR_ROLE);
}

/**
 * Whether the user a verified token names is a moderator: listed in MODERATOR_USERNAMES, or the
 * token's roles claim holds `moderator`. The one rule for the service's own and platform tokens.
 */
export function isModerator(config: AppConfig, username: string, claims: object): boolean {
  return config.moderatorUsernames.has(username) || hasModeratorRole(claims, config.authExternalRolesClaim);
}
