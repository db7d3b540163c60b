// Where the end-to-end tests find Chromium. Playwright cannot download browsers here, so the
// tests drive the system one (Debian's `chromium` package).
import { existsSync } from 'node:fs';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const NO_CHROMIUM_MESSAGE =
  'npm test: no Chromium found: install Debian\'s chromium (apt-get install chromium) or set CHROMIUM_PATH=/path/to/chromium';

/** The browser to drive: CHROMIUM_PATH if set (it must exist), else the first system candidate, else null. */
export function findChromium(env = process.env, exists = existsSync) {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) return exists(fromEnv) ? fromEnv : null;
  return CHROMIUM_CANDIDATES.find((p) => exists(p)) ?? null;
}
