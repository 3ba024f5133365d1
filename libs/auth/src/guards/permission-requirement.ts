/** What `@Permissions` stores: all of the codenames, or any one of them. */
export interface PermissionRequirement {
  mode: 'all' | 'any';
  codenames: string[];
}
