// Shared helpers for the end-to-end tests (mocha in plain Node, playwright-core driving the real VS Code
// workbench served by code-server, see scripts/vscode-host.js). Every wait has a timeout: a test never hangs.
'use strict';
const fs = require('fs');
const path = require('path');
const { startCodeServer, launchChromium, ROOT, ARTIFACTS, THEMES } = require('../../../scripts/vscode-host');

const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');

/**
 * Starts code-server + headless Chromium and opens the workbench.
 * opts: workspace (folder copied into the run), files ({ 'logs/x.jsonl': text } written into the workspace),
 * settings (user settings), theme ('light' | 'dark'), devPath (extension under development; default the repo
 * root; null for none, e.g. when installVsix is used), installVsix, viewport,
 * link: true loads the repo's extension as an INSTALLED extension (a symlink in the extensions dir) instead of
 * in development mode: no packaging needed, and colour themes work (in development mode code-server 4.100's
 * web workbench has no built-in themes and stays on Light+).
 * Returns { host, browser, page, workspace, close() }.
 */
async function openWorkbench(opts = {}) {
  const host = await startCodeServer({ workspace: opts.workspace, settings: opts.settings, theme: opts.theme || 'dark',
    installVsix: opts.installVsix, env: opts.env, linkExtension: opts.link ? ROOT : undefined });
  let browser;
  try {
    for (const [rel, text] of Object.entries(opts.files || {})) {
      const f = path.join(host.workspace, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, text);
    }
    browser = await launchChromium(host);
    const page = await browser.newPage({ viewport: opts.viewport || { width: 1400, height: 900 } });
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    const devPath = opts.link ? null : opts.devPath === undefined ? ROOT : opts.devPath;
    await page.goto(host.url(devPath ? { devPath } : {}));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    // the workbench first paints with a built-in light theme and applies the configured theme only once the
    // built-in theme extension has been scanned (6-9 s here): wait for it, so screenshots show the right one
    const theme = (opts.settings && opts.settings['workbench.colorTheme']) || THEMES[opts.theme || 'dark'] || opts.theme;
    if (theme) await waitForTheme(page, theme).catch(e => console.warn(`warning: ${e.message}`));
    return {
      host, browser, page, workspace: host.workspace, pageErrors: errors,
      async close() { await browser.close().catch(() => {}); await host.stop(); },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    await host.stop();
    throw e;
  }
}

/** Waits until the workbench uses the colour theme `theme` (its id, e.g. 'Default Dark Modern'). */
async function waitForTheme(page, theme, timeout = 30000) {
  const cls = { 'Default Dark Modern': 'dark_modern-json', 'Default Light Modern': 'light_modern-json',
    'Default Dark+': 'dark_plus-json', 'Default Light+': 'light_plus-json' }[theme];
  if (!cls) return;   // another theme: no known class to wait for
  await page.locator(`.monaco-workbench[class*="${cls}"]`).waitFor({ state: 'attached', timeout })
    .catch(() => { throw new Error(`theme ${theme} not applied after ${timeout} ms`); });
}

/** Runs a command by its palette title, e.g. 'API Monitor: Open Dashboard'. */
async function runCommand(page, title, { timeout = 20000 } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
}

/** The webview's own document: iframe.webview (VS Code's host page) > iframe#active-frame (our HTML). */
function webviewFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/**
 * A status bar item of the extension by its id (`apiMonitor.cost`): the workbench renders extension items with
 * the DOM id `<publisher>.<name>.<id>`, so match the end. `text` optionally narrows by visible text.
 */
function statusBarItem(page, id, text) {
  const loc = page.locator(`.statusbar-item[id$=".${id}"], .statusbar-item[id="${id}"]`);
  return text ? loc.filter({ hasText: text }) : loc;
}

/** All status bar items whose accessible label mentions `label` (e.g. 'API Monitor'). */
function statusBarItemByLabel(page, label) {
  return page.locator(`.statusbar-item:is([aria-label*="${label}"], :has([aria-label*="${label}"]))`);
}

/** Saves a screenshot to test-artifacts/screenshots/<name>.png and returns its path. */
async function screenshot(pageOrLocator, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await pageOrLocator.screenshot({ path: file });
  return file;
}

/**
 * For mocha's afterEach: when the current test failed, keep a screenshot and VS Code's logs in
 * test-artifacts/<name>/ for the CI log.
 */
async function keepFailureArtifacts(mochaCtx, wb, name) {
  if (!wb || mochaCtx.currentTest?.state !== 'failed') return;
  const safe = `${name}-${mochaCtx.currentTest.title}`.replace(/[^a-z0-9._-]+/gi, '_').slice(0, 100);
  const dest = wb.host.saveLogs(`e2e/${safe}`);
  await wb.page.screenshot({ path: path.join(dest, 'workbench.png') }).catch(() => {});
  if (wb.pageErrors.length) fs.writeFileSync(path.join(dest, 'page-errors.txt'), wb.pageErrors.join('\n'));
}

/** JSON Lines of OpenAI-style calls `minutesAgo` before now (so they fall in "today"/"last 24 h"). */
function openAiLines(calls, now = Date.now()) {
  return calls.map(c => JSON.stringify({
    timestamp: new Date(now - c.minutesAgo * 60000).toISOString(), endpoint: c.endpoint || '/api/e2e', provider: 'openai',
    model: c.model || 'gpt-4o-mini', status_code: c.status || 200, latency_ms: c.latency ?? 100,
    usage: { prompt_tokens: c.prompt ?? 1000, completion_tokens: c.completion ?? 100 },
  })).join('\n') + '\n';
}

/**
 * Pick an option of a vscode-single-select (in the webview: a FrameLocator or Frame) the way a user does: open it, click the option. The filter bar is
 * rebuilt when a read adds endpoints or models, which closes an open list: then open it again.
 */
async function pick(wv, selectId, label) {
  for (let attempt = 1; ; attempt++) {
    try {
      await wv.locator(`vscode-single-select#${selectId}`).click({ timeout: 10000 });
      await wv.locator(`vscode-single-select#${selectId} .options li`, { hasText: label }).first().click({ timeout: 5000 });
      return;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
}

/** Wait until the store stops growing (the first read of the logs is over): "N calls stored" holds for 3 s. */
async function ingestSettles(wv, timeout = 120000) {
  const t0 = Date.now();
  let last = null, since = Date.now();
  while (Date.now() - t0 < timeout) {
    const m = /([\d,]+) calls stored/.exec((await wv.locator('#status-line').textContent().catch(() => '')) || '');
    const n = m ? Number(m[1].replace(/,/g, '')) : null;
    if (n !== last) { last = n; since = Date.now(); } else if (n && Date.now() - since >= 3000) return n;
    await new Promise(r => setTimeout(r, 500));
  }
  return last;
}

module.exports = { openWorkbench, pick, ingestSettles, waitForTheme, runCommand, webviewFrame, statusBarItem, statusBarItemByLabel, screenshot,
  keepFailureArtifacts, openAiLines, ROOT, ARTIFACTS, SCREENSHOTS, THEMES };
