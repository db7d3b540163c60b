// A page shared by the tests of a serial file (opened in beforeAll or in its first test).
import type { Browser, Page, TestInfo } from '@playwright/test';

/** browser.newPage() ignores the config's `use` context options, so pass them on. */
export function newSharedPage(browser: Browser, testInfo: TestInfo): Promise<Page> {
  const { baseURL, viewport } = testInfo.project.use;
  return browser.newPage({ baseURL, viewport });
}
