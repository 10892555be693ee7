// The exported HTML report, opened in headless Chromium: it must render offline (no request leaves the
// file), carry the right numbers, escape hostile log text and print. The report is written by the CLI's
// `export`, which uses the same writer as the "Export Report…" command (the integration tests run that).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { launchChromium, ROOT, ARTIFACTS } = require('../../scripts/vscode-host');

describe('HTML report in headless Chromium', function () {
  this.timeout(120000);
  let browser, page, tmp;
  const external = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-monitor-report-'));
    // test/fixtures/openai-chat.jsonl (3 calls) plus one call whose endpoint and model are hostile text
    const log = path.join(tmp, 'calls.jsonl');
    const hostile = JSON.stringify({
      timestamp: '2025-03-04T10:02:00Z', endpoint: '/x<script>window.__pwned=1</script>', model: '<img src=x onerror=window.__pwned=2>',
      latency_ms: 10, status_code: 200,
    });
    fs.writeFileSync(log, fs.readFileSync(path.join(ROOT, 'test/fixtures/openai-chat.jsonl'), 'utf8') + hostile + '\n');
    const out = path.join(tmp, 'report.html');
    execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'export', log, '--format', 'html', '--tz', 'UTC', '--out', out], { stdio: 'pipe' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', r => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url()); });
    await page.goto('file://' + out);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const value = (k, scope = '') => page.locator(`${scope} [data-k="${k}"]`).first().getAttribute('data-v');

  it('shows the hand-worked totals', async () => {
    // 4 calls: latencies 812, 2400.5, 95, 10 -> nearest rank p50 = 2nd of (10, 95, 812, 2400.5) = 95,
    // p95 = ceil(0.95 * 4) = 4th = 2400.5; one failure (the 429)
    assert.strictEqual(Number(await value('calls')), 4);
    assert.strictEqual(Number(await value('errors')), 1);
    assert.strictEqual(Number(await value('p50')), 95);
    assert.strictEqual(Number(await value('p95')), 2400.5);
    // cost at the bundled gpt-4o / o3-mini prices (USD per million tokens):
    // gpt-4o: (1200 - 1024) x 2.5 + 1024 x 1.25 + 300 x 10 = 440 + 1280 + 3000 = 4720 -> $0.00472
    // o3-mini: 500 x 1.1 + 900 x 4.4 = 550 + 3960 = 4510 -> $0.00451
    // the 429 has no usage and the hostile model is unknown: 2 unpriced calls
    assert.ok(Math.abs(Number(await value('cost')) - (0.00472 + 0.00451)) < 1e-12, await value('cost'));
    assert.strictEqual(Number(await value('unpricedCalls')), 2);
    assert.strictEqual(Number(await value('inputTokens')), 1700);
    assert.strictEqual(Number(await value('cacheReadTokens')), 1024);
  });

  it('renders offline and runs no log-derived markup', async () => {
    assert.deepStrictEqual(external, [], 'no request may leave the file');
    assert.strictEqual(await page.evaluate(() => globalThis.__pwned), undefined);
    assert.strictEqual(await page.locator('script').count(), 0, 'the report needs no script');
    const text = await page.locator('body').innerText();
    assert.ok(text.includes('/x<script>window.__pwned=1</script>'), 'the hostile endpoint is shown as text');
    assert.ok(await page.locator('svg').count() >= 1, 'charts are inline SVG');
  });

  it('prints', async () => {
    await page.emulateMedia({ media: 'print' });
    fs.mkdirSync(path.join(ARTIFACTS, 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshots', 'report-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 1000 && pdf.subarray(0, 4).toString() === '%PDF');
  });
});
