import { randomBytes } from 'node:crypto';

const MAX_USERNAME = 32;
const MAX_DISPLAY_NAME = 64;

/** Russian letters in Latin (the platform's usernames may be Cyrillic); ь and ъ are dropped. */
const CYRILLIC: Record<string, string> = Object.fromEntries(
  [
    ...'а:a б:b в:v г:g д:d е:e ё:e ж:zh з:z и:i й:y к:k л:l м:m н:n о:o п:p р:r с:s т:t у:u ф:f',
    ...' х:kh ц:ts ч:ch ш:sh щ:shch ъ: ы:y ь: э:e ю:yu я:ya',
  ]
    .join('')
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/**
 * A platform username made to fit ^[a-z0-9_.-]{3,32}$: lower case, Cyrillic transliterated,
 * accents dropped, every other run of characters one `_`, cut to 32; undefined when too little
 * is left.
 */
export function normaliseUsername(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const name = String(raw)
    .toLowerCase()
    .replace(/[а-яё]/g, (letter) => CYRILLIC[letter] ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '')
    .slice(0, MAX_USERNAME)
    .replace(/[_.-]+$/, '');
  return name.length >= 3 ? name : undefined;
}

/**
 * The usernames a platform user may get, in order: the normalised username claim (or
 * `user_<external id>` without one), then with the suffixes `_2` … `_9`, then random ones: a
 * username taken locally gets a suffix.
 */
export function* platformUsernames(usernameClaim: unknown, externalId: string): Generator<string> {
  const base = normaliseUsername(usernameClaim) ?? normaliseUsername(`user_${externalId}`) ?? 'user';
  yield base;
  const withSuffix = (suffix: string): string => `${base.slice(0, MAX_USERNAME - suffix.length)}${suffix}`;
  for (let n = 2; n <= 9; n++) yield withSuffix(`_${n}`);
  for (let i = 0; i < 20; i++) yield withSuffix(`_${randomBytes(4).toString('hex')}`);
}

/** The name claim, else the username claim, else `fallback`: one line, at most 64 characters. */
export function platformDisplayName(nameClaim: unknown, usernameClaim: unknown, fallback: string): string {
  for (const candidate of [nameClaim, usernameClaim]) {
    if (typeof candidate !== 'string') continue;
    const name = [...candidate.replace(/[\p{Cc}\s]+/gu, ' ').trim()]
      .slice(0, MAX_DISPLAY_NAME)
      .join('')
      .trim();
    if (name !== '') return name;
  }
  return fallback;
}
