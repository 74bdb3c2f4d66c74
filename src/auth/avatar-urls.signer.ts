/**
 * Signs the `avatar_url` of a User, Member or Chat: the thumbnail of the avatar attachment (a WebP
 * of at most 320 px), fresh on every read. Declared here because the User of the auth answers is
 * the lowest of those mappings in the folder DAG; the attachments module (above auth) provides
 * it, through its global AvatarsModule, with AttachmentUrlSigner.
 */
export abstract class AvatarUrls {
  /** The signed URL of the avatar's thumbnail, valid for the URL TTL from `now`; null when none. */
  abstract avatarUrl(avatarId: number | null, now?: number): string | null;
}
