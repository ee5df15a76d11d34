import { it } from 'vitest';
import { launchBrowser } from './support/browser.js';
import { loggedInPage, startRealServer } from './support/real-server.js';
it('debug', async () => {
  const server = await startRealServer();
  const browser = await launchBrowser();
  const a = await loggedInPage(browser, server, 'admin01');
  await a.page.getByTestId('staff-list').waitFor();
  console.log(await a.page.getByTestId('staff-list').locator('tr[data-staff-id="nozei01"]').ariaSnapshot());
  await browser.close(); await server.close();
}, 120000);
