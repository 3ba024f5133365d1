import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PermissionService } from 'portcullis';

/** The group every registered user joins (`defaultGroups`), with what members may do to notes. */
export const MEMBER_GROUP = 'member';

/** Makes sure the `member` group exists with `notes.read` and `notes.write`. */
@Injectable()
export class MemberGroupSeed implements OnApplicationBootstrap {
  constructor(private readonly permissions: PermissionService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.permissions.ensureGroup(MEMBER_GROUP, ['notes.read', 'notes.write']);
  }
}
