// test/support/chromium.ts: where the browser tests look for Chromium/Chrome, and what they say when there is none.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, INSTALL_HINTS } from '../support/chromium';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'og-chromium-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fakeBrowser = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
};
const none = () => false;

test('CHROMIUM_PATH wins over everything else', () => {
  const mine = fakeBrowser('my-chrome');
  expect(findChromium({ env: { CHROMIUM_PATH: mine, PATH: dir }, platform: 'linux' })).toBe(mine);
});

test('a CHROMIUM_PATH that is not an executable file is an error, not a reason to look elsewhere', () => {
  expect(() => findChromium({ env: { CHROMIUM_PATH: join(dir, 'missing'), PATH: '' }, isExecutable: (p) => p === '/usr/bin/chromium' })).toThrow(
    `CHROMIUM_PATH=${join(dir, 'missing')} is not an executable file`,
  );
});

test('a browser on PATH is found by its usual names (google-chrome here)', () => {
  const chrome = fakeBrowser('google-chrome');
  expect(findChromium({ env: { PATH: `/nonexistent:${dir}` }, platform: 'linux', home: dir })).toBe(chrome);
});

test('Debian/Ubuntu and macOS install folders are searched when PATH has none', () => {
  const linux = ['/usr/bin/chromium-browser'];
  expect(findChromium({ env: { PATH: '' }, platform: 'linux', isExecutable: (p) => linux.includes(p) })).toBe('/usr/bin/chromium-browser');
  const mac = '/Users/ada/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
  expect(findChromium({ env: { PATH: '' }, platform: 'darwin', home: '/Users/ada', isExecutable: (p) => p === mac })).toBe(mac);
});

test('with no browser anywhere it fails with the install command for each system', () => {
  let message = '';
  try {
    findChromium({ env: { PATH: '/usr/bin' }, platform: 'linux', isExecutable: none });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/^The browser tests need Chromium or Google Chrome, and none was found/);
  for (const hint of INSTALL_HINTS) expect(message).toContain(hint);
  expect(message).toContain('sudo apt-get install chromium');
  expect(message).toContain('brew install --cask chromium');
});
