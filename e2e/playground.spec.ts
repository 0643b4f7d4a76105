import { test, expect } from '@playwright/test';

test('the playground loads the SIMD wasm core in a Web Worker', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const status = page.locator('#core-status');
  await expect(status).toHaveAttribute('data-state', 'ready');
  await expect(status).toHaveAttribute('data-simd', 'true');
  await expect(status).toContainText('wasm-simd128');
  // The core really runs in a worker, not on the page.
  expect(page.workers().length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  await page.screenshot({ path: 'e2e/artifacts/screenshots/playground-start.png' });
});
