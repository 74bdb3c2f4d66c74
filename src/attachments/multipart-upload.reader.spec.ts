import { sanitizeFileName } from './multipart-upload.reader';

describe('sanitizeFileName', () => {
  it('keeps the base name without control or reserved characters', () => {
    expect(sanitizeFileName('dog.jpg')).toBe('dog.jpg');
    expect(sanitizeFileName('../../etc/\u0000evil<name>.pdf')).toBe('evilname.pdf');
    expect(sanitizeFileName('C:\\Users\\anna\\Прививки.pdf')).toBe('Прививки.pdf');
    expect(sanitizeFileName('...hidden')).toBe('hidden');
    expect(sanitizeFileName('a\r\nb.txt')).toBe('ab.txt');
  });

  it('answers null for nothing usable, and cuts long names to 255', () => {
    expect(sanitizeFileName(undefined)).toBeNull();
    expect(sanitizeFileName('')).toBeNull();
    expect(sanitizeFileName('../')).toBeNull();
    expect(sanitizeFileName('x'.repeat(300))).toHaveLength(255);
    expect(Array.from(sanitizeFileName('🐕'.repeat(300))!)).toEqual(Array.from('🐕'.repeat(255)));
  });
});
