import { chromium, type Browser } from 'playwright-core';
import { chromiumLaunch } from './dashboard';
import { startTestGateway, type TestGateway } from './gateway';

export interface BrowserFixture {
  gateway: TestGateway;
  browser: Browser;
}

/** A test gateway and a headless Chromium for this test file: started before its tests, closed after them. */
export function browserFixture(): BrowserFixture {
  const fixture = {} as BrowserFixture;
  beforeAll(async () => {
    fixture.gateway = await startTestGateway();
    fixture.browser = await chromium.launch(chromiumLaunch);
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.gateway?.close();
  });
  return fixture;
}
