import { parse } from 'content-disposition';
import { contentDisposition, DEFAULT_FILENAME, FILENAME_MAX, sanitizeFilename } from './filename';

describe('sanitizeFilename', () => {
  it.each<[string | undefined, string]>([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd\u0000\r\n.png', 'passwd.png'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['dir/sub/', DEFAULT_FILENAME],
    ['..', DEFAULT_FILENAME],
    ['.htaccess', 'htaccess'],
    ['  spaced name.txt  ', 'spaced name.txt'],
    ['invoice\u202egpj.exe', 'invoicegpj.exe'],
    ['\u0007\u0008', DEFAULT_FILENAME],
    ['', DEFAULT_FILENAME],
    [undefined, DEFAULT_FILENAME],
    ['Привет 🚀.txt', 'Привет 🚀.txt'],
    ['bad\ud800half.txt', 'bad\ufffdhalf.txt'],
  ])('%j → %j', (raw, safe) => {
    expect(sanitizeFilename(raw)).toBe(safe);
  });

  it('caps the length in code points and keeps a short extension', () => {
    const name = sanitizeFilename(`${'🚀'.repeat(300)}.tar.gz`);
    expect([...name]).toHaveLength(FILENAME_MAX);
    expect(name.endsWith('🚀.gz')).toBe(true);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Отчёт "Q1" 100%.pdf')).toBe(
      `attachment; filename="_____ _Q1_ 100_.pdf"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22Q1%22%20100%25.pdf`,
    );
  });

  it('never lets a header break out', () => {
    const value = contentDisposition('a"; filename=evil.exe\r\nX-Injected: 1');
    expect(value).not.toMatch(/[\r\n]/);
    expect(value).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*$/);
  });

  it.each(['report.pdf', 'Отчёт "Q1" 100%.pdf', "it's (1) *draft*.txt", 'Привет 🚀.txt'])('parses back to the exact name: %j', (name) => {
    const { type, parameters } = parse(contentDisposition(name));
    expect([type, parameters.filename]).toEqual(['attachment', name]);
  });
});
