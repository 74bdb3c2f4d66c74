import { normaliseUsername, platformDisplayName, platformUsernames } from './platform-usernames.util';

describe('platform usernames', () => {
  it('fits a platform username to ^[a-z0-9_.-]{3,32}$', () => {
    expect(normaliseUsername('Anna.K')).toBe('anna.k');
    expect(normaliseUsername('Мария Иванова')).toBe('mariya_ivanova');
    expect(normaliseUsername('José  Ñúñez!')).toBe('jose_nunez');
    expect(normaliseUsername(12345)).toBe('12345');
    expect(normaliseUsername(`${'a'.repeat(31)}__b`)).toBe('a'.repeat(31));
    expect(normaliseUsername('_x_')).toBeUndefined();
    expect(normaliseUsername('🐈🐕')).toBeUndefined();
    expect(normaliseUsername(undefined)).toBeUndefined();
    expect(normaliseUsername({})).toBeUndefined();
  });

  it('offers the name, then suffixes that keep within 32 characters, then random ones', () => {
    const names = [...platformUsernames('Ann', '7')];
    expect(names.slice(0, 3)).toEqual(['ann', 'ann_2', 'ann_3']);
    expect(names[8]).toBe('ann_9');
    expect(names[9]).toMatch(/^ann_[0-9a-f]{8}$/);
    const long = [...platformUsernames('x'.repeat(40), '7')];
    for (const name of long) expect(name).toMatch(/^[a-z0-9_.-]{3,32}$/);
    expect(long[1]).toBe(`${'x'.repeat(30)}_2`);
    expect([...platformUsernames(undefined, 'AbC-9')][0]).toBe('user_abc-9');
    expect([...platformUsernames('!!', '')][0]).toBe('user');
  });

  it('takes the display name from the name claim, else the username claim, on one line of 64', () => {
    expect(platformDisplayName(' Анна\n Петрова ', 'anna', 'x')).toBe('Анна Петрова');
    expect(platformDisplayName(undefined, 'Anna K', 'x')).toBe('Anna K');
    expect(platformDisplayName('   ', 42, 'fallback')).toBe('fallback');
    expect([...platformDisplayName('🐈'.repeat(70), undefined, 'x')]).toHaveLength(64);
  });
});
