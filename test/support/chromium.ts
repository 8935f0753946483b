// Finds a Chromium or Chrome for the browser tests (driven by playwright-core, which downloads
// no browser of its own): CHROMIUM_PATH, else the usual names on PATH, else the places
// Debian/Ubuntu, Fedora, snap, Google's packages and macOS install them.
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Executable names looked up on PATH, in order. */
export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

/** Fixed install locations, by platform, in order. */
export function knownLocations(platform: NodeJS.Platform, home: string): string[] {
  if (platform === 'darwin') {
    const apps = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome', 'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing'];
    return [...apps.map((a) => `/Applications/${a}`), ...apps.map((a) => join(home, 'Applications', a))];
  }
  if (platform === 'win32') return [];
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'];
}

/** How to install a browser, one line per system: the error message when none is found. */
export const INSTALL_HINTS = [
  'Debian:         sudo apt-get install chromium',
  'Ubuntu:         sudo snap install chromium        (or Google Chrome: https://www.google.com/chrome/)',
  'Fedora:         sudo dnf install chromium',
  'Arch:           sudo pacman -S chromium',
  'macOS:          brew install --cask chromium      (or brew install --cask google-chrome)',
  'anything else:  CHROMIUM_PATH=/path/to/chrome npm test',
];

const isExecutableFile = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  /** Injected in tests; defaults to "an executable regular file". */
  isExecutable?: (path: string) => boolean;
}

/**
 * The path of a Chromium/Chrome executable. CHROMIUM_PATH, when set, must point at one (a wrong
 * setting is an error, not a reason to look elsewhere). Throws with the install command for each
 * system when none is found.
 */
export function findChromium(o: FindOptions = {}): string {
  const env = o.env ?? process.env;
  const ok = o.isExecutable ?? isExecutableFile;
  if (env.CHROMIUM_PATH) {
    if (ok(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file. Point it at Chromium or Chrome, or unset it to search the usual places.`);
  }
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).flatMap((dir) => BROWSER_NAMES.map((n) => join(dir, n)));
  const candidates = [...onPath, ...knownLocations(o.platform ?? process.platform, o.home ?? homedir())];
  const found = candidates.find(ok);
  if (found) return found;
  throw new Error(
    `The browser tests need Chromium or Google Chrome, and none was found (looked for ${BROWSER_NAMES.join(', ')} on PATH and in the usual install folders).\n` +
      `Install one:\n${INSTALL_HINTS.map((h) => `  ${h}`).join('\n')}`,
  );
}
