// Memory soak: does an hour of dashboard auto-refresh grow the extension host's or the webview's memory?
/* global document, window, MutationObserver -- the functions given to frame.evaluate() run in the webview, not in Node */
//
//   node bench/memorySoak.js [--refreshes N] [--interval-ms M] [--tab ID] [--mode refresh|view] [--every K] [--out FILE]
//
// Needs a build (`node esbuild.mjs`) and code-server (`npm run setup:vscode`); builds nothing itself.
// Opens the example workspace (examples/, copied into a temp dir) in code-server + headless Chromium with the
// repo linked as an installed extension, opens the dashboard, waits for the first read of the logs, picks
// "Last 24 hours" and then drives N refreshes back to back (default 720 = one hour of auto-refresh at 5 s),
// each one waited for until its snapshot has been rendered (the status line is rewritten by every snapshot).
//   --mode refresh (default): clicks "Refresh now": the host re-discovers and reads the logs (nothing new
//     here), drops its snapshot cache and recomputes the tab; the webview re-renders it.
//   --mode view: calls what the auto-refresh timer calls (a `view` request; the timer's callback is captured
//     in the webview by wrapping setInterval). The host reuses a snapshot computed < 3 s ago, so back to back
//     most of these only re-render in the webview: the webview side of auto-refresh, not the host's.
//   --interval-ms M: wait M ms after each rendered refresh (default 0, as fast as the dashboard allows).
//   --tab ID: the tab refreshed (default: the dashboard's default, realtime, which has no chart; history has
//     charts, so chart.js instances are created and destroyed on every refresh).
// Samples (after the first render and a settle, every K = 60 refreshes, and at the end):
//   host RSS: the code-server extension host process (`--type=extensionHost`, in code-server's process group),
//     from ps; it cannot be garbage-collected from outside, so read its trend and settle-to-end delta;
//   webview JS heap: HeapProfiler.collectGarbage then Runtime.getHeapUsage (usedSize) over a CDP session on
//     the webview's own frame (iframe#active-frame, out of process); DOM nodes and canvases (one per chart.js
//     chart) in that document; Memory.getDOMCounters (documents, nodes incl. detached, JS event listeners).
// Writes the table to bench/MEMORY.md (appends a "Memory soak" section; --out FILE elsewhere).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { openWorkbench, runCommand, webviewFrame, statusBarItem, pick, ingestSettles, ROOT } = require('../test/e2e/helpers/workbench');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const eq = process.argv.find(a => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : def;
}
const N = Number(arg('refreshes', 720));
const INTERVAL = Number(arg('interval-ms', 0));
const EVERY = Number(arg('every', 60));
const MODE = arg('mode', 'refresh');
const OUT = path.resolve(arg('out', path.join(ROOT, 'bench/MEMORY.md')));
const SETTLE_MS = Number(arg('settle-ms', 10000));
const TAB = arg('tab', '');   // realtime (the default tab, no charts), history, cost, cache, alerts
if (!(N > 0) || !(INTERVAL >= 0) || !(EVERY > 0) || !['refresh', 'view'].includes(MODE)) {
  console.error('usage: node bench/memorySoak.js [--refreshes N] [--interval-ms M] [--tab ID] [--mode refresh|view] [--every K] [--out FILE]');
  process.exit(2);
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
const MB = b => b / 1048576;

/** The extension host: the process in code-server's group whose args contain --type=extensionHost. */
function extensionHost(pgid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,pgid=,rss=,args='], { encoding: 'utf8' }).split('\n');
  const hits = [];
  for (const r of rows) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(r);
    if (m && Number(m[2]) === pgid && m[4].includes('--type=extensionHost')) hits.push({ pid: Number(m[1]), rssKb: Number(m[3]), args: m[4] });
  }
  return hits;
}

/** The webview's own document: the frame of iframe#active-frame inside iframe.webview. */
async function activeFrame(page, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    for (const f of page.frames()) {
      if (f.name() === 'active-frame' || /fake\.html/.test(f.url())) {
        if (await f.evaluate(() => !!document.getElementById('status-line')).catch(() => false)) return f;
      }
    }
    if (Date.now() - t0 > timeout) throw new Error('webview frame (iframe#active-frame) not found');
    await sleep(250);
  }
}

async function main() {
  const started = Date.now();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'webview'], { cwd: ROOT, encoding: 'utf8' }).trim() ? ' (src/webview modified)' : '';
  const distAge = fs.statSync(path.join(ROOT, 'dist/extension.js')).mtime;
  // auto-refresh off: the timer adds no refresh of its own, the N driven here are the only ones
  const settings = { 'apiMonitor.autoRefresh': false, 'workbench.colorTheme': 'Default Dark Modern' };
  const wb = await openWorkbench({ workspace: path.join(ROOT, 'examples'), link: true, theme: 'dark', settings });
  const { page, host, browser } = wb;
  let cdp, pageCdp;
  try {
    await statusBarItem(page, 'apiMonitor.cost').first().waitFor({ timeout: 90000 });
    // the workbench's own heap before the dashboard opens (the webview shares its renderer, see below)
    pageCdp = await page.context().newCDPSession(page);
    await sleep(5000);
    const gcHeap = async (session) => {
      await session.send('HeapProfiler.collectGarbage');
      await session.send('HeapProfiler.collectGarbage');
      return MB((await session.send('Runtime.getHeapUsage')).usedSize);
    };
    const baseline = await gcHeap(pageCdp);
    console.log(`workbench renderer heap before the dashboard: ${baseline.toFixed(2)} MB`);
    await runCommand(page, 'API Monitor: Open Dashboard');
    const wv = webviewFrame(page);
    await wv.locator('body[data-ready="1"]').waitFor({ timeout: 60000 });
    const frame = await activeFrame(page);
    const stored = await ingestSettles(frame, 180000);
    console.log(`first read settled: ${stored} calls stored (${((Date.now() - started) / 1000).toFixed(0)} s after start)`);
    await pick(wv, 'f-range', 'Last 24 hours');
    await wv.locator('body[aria-busy="false"]').waitFor({ timeout: 30000 });
    if (TAB) {
      await wv.locator(`vscode-tab-header[data-tab="${TAB}"]`).click();
      await wv.locator(`body[data-tab="${TAB}"][aria-busy="false"]`).waitFor({ timeout: 30000 });
    }
    const tab = await frame.evaluate(() => document.body.dataset.tab);

    // the heap of the webview's own document: an out-of-process frame has its own CDP session. code-server
    // serves webviews from the workbench's own origin, so here the webview normally shares the workbench's
    // renderer and V8 heap: then the page's session reads both, and the workbench's share is bracketed by a
    // reading before the dashboard opens and one after it is closed (end of run).
    let heapScope = 'webview frame (own renderer)', shared = false;
    try { cdp = await page.context().newCDPSession(frame); } catch (e) {
      shared = true;
      heapScope = 'the workbench renderer\'s V8 heap, which the webview shares (same origin: no out-of-process frame)';
      cdp = pageCdp;
    }
    await cdp.send('HeapProfiler.enable').catch(() => {});
    const hasDomCounters = await cdp.send('Memory.getDOMCounters').then(() => true, () => false);

    // every snapshot (and error) rewrites #status-line: count those rewrites
    await frame.evaluate(() => {
      const w = window;
      w.__soak = { renders: 0 };
      new MutationObserver(() => { w.__soak.renders++; })
        .observe(document.getElementById('status-line'), { childList: true, characterData: true, subtree: true });
    });
    if (MODE === 'view') {
      // capture the auto-refresh timer's callback (requestView) by wrapping setInterval, then turn auto-refresh
      // on so the webview's restartTimer() registers it; the real interval never fires (1e9 ms)
      await frame.evaluate(() => {
        const w = window, orig = w.setInterval.bind(w);
        w.setInterval = (fn, ms, ...rest) => { if (ms >= 5000) { w.__soak.tick = fn; return orig(() => {}, 1e9); } return orig(fn, ms, ...rest); };
      });
      await wv.locator('vscode-checkbox#auto-refresh').click();
      await frame.waitForFunction(() => typeof window.__soak.tick === 'function', null, { timeout: 10000 });
    }
    const refreshBtn = wv.locator('vscode-button#refresh-now');
    const renders = () => frame.evaluate(() => window.__soak.renders);

    const hostPgid = host.proc.pid;
    const samples = [];
    const sample = async (i) => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = await cdp.send('Runtime.getHeapUsage');
      const dom = await frame.evaluate(() => ({
        nodes: document.getElementsByTagName('*').length,
        canvases: document.getElementsByTagName('canvas').length,
        status: document.getElementById('status-line')?.textContent || '',
      }));
      const counters = hasDomCounters ? await cdp.send('Memory.getDOMCounters').catch(() => null) : null;
      const eh = extensionHost(hostPgid);
      const s = {
        i, elapsed: (Date.now() - t0) / 1000, hostRssMb: eh.length ? MB(eh.reduce((a, p) => a + p.rssKb, 0) * 1024) : NaN,
        hostPids: eh.map(p => p.pid).join(','), heapMb: MB(heap.usedSize), heapTotalMb: MB(heap.totalSize),
        nodes: dom.nodes, canvases: dom.canvases, counters, status: dom.status,
      };
      samples.push(s);
      console.log(`#${String(i).padStart(4)}  host RSS ${s.hostRssMb.toFixed(1)} MB (pid ${s.hostPids})  webview heap ${s.heapMb.toFixed(2)} MB`
        + `  DOM ${s.nodes} nodes, ${s.canvases} canvases${counters ? `  [counters: ${counters.documents} docs, ${counters.nodes} nodes, ${counters.jsEventListeners} listeners]` : ''}`
        + `  ${s.elapsed.toFixed(1)} s`);
      return s;
    };

    let t0 = Date.now();
    await sleep(SETTLE_MS);
    t0 = Date.now();
    await sample(0);
    const times = [];
    let slowest = 0;
    for (let i = 1; i <= N; i++) {
      const before = await renders();
      const ts = Date.now();
      if (MODE === 'refresh') await refreshBtn.click({ timeout: 30000 });
      else await frame.evaluate(() => window.__soak.tick());
      await frame.waitForFunction(n => window.__soak.renders > n && document.body.getAttribute('aria-busy') !== 'true', before, { timeout: 60000, polling: 20 });
      const dt = Date.now() - ts;
      times.push(dt); slowest = Math.max(slowest, dt);
      if (i % EVERY === 0 || i === N) await sample(i);
      if (INTERVAL) await sleep(INTERVAL);
    }
    const totalS = (Date.now() - t0) / 1000;
    // close the dashboard: what the shared heap keeps without the webview, and the host without its panel
    await runCommand(page, 'View: Close All Editors');
    await frame.waitForFunction(() => false, null, { timeout: 10000 }).catch(() => {});   // until the frame is gone
    await sleep(3000);
    const afterClose = await gcHeap(pageCdp);
    const ehClosed = extensionHost(hostPgid);
    const hostClosed = ehClosed.length ? MB(ehClosed.reduce((a, p) => a + p.rssKb, 0) * 1024) : NaN;
    console.log(`after closing the dashboard: renderer heap ${afterClose.toFixed(2)} MB, host RSS ${hostClosed.toFixed(1)} MB`);
    const sorted = [...times].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)];
    const errors = samples.filter(s => !/calls stored/.test(s.status)).length;

    // ---- report ----
    const first = samples[0], last = samples[samples.length - 1];
    const growth = (a, b) => `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(1)} MB (${b - a >= 0 ? '+' : ''}${((b - a) / a * 100).toFixed(1)} %)`;
    const peakHost = Math.max(...samples.map(s => s.hostRssMb));
    const mid = samples[Math.floor(samples.length / 2)];
    const verdict = `host RSS ${first.hostRssMb.toFixed(1)} → ${last.hostRssMb.toFixed(1)} MB, ${growth(first.hostRssMb, last.hostRssMb)}`
      + ` (peak ${peakHost.toFixed(1)}; second half ${growth(mid.hostRssMb, last.hostRssMb)});`
      + ` webview JS heap after GC ${first.heapMb.toFixed(2)} → ${last.heapMb.toFixed(2)} MB, ${growth(first.heapMb, last.heapMb)}`
      + `; DOM ${first.nodes} → ${last.nodes} nodes, canvases ${first.canvases} → ${last.canvases}`;
    const header = '| refresh # | host RSS MB | webview JS heap MB | DOM nodes | canvases | DOM counters (docs / nodes / listeners) | elapsed s |';
    const rows = samples.map(s => `| ${s.i} | ${s.hostRssMb.toFixed(1)} | ${s.heapMb.toFixed(2)} | ${s.nodes} | ${s.canvases} | `
      + `${s.counters ? `${s.counters.documents} / ${s.counters.nodes} / ${s.counters.jsEventListeners}` : 'n/a'} | ${s.elapsed.toFixed(1)} |`);
    const table = [header, '|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
    console.log('\n' + table + '\n');
    console.log(`verdict: ${verdict}`);

    const cpus = os.cpus();
    const machine = `${cpus.length} × ${cpus[0]?.model?.trim() || 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, `
      + `Node ${process.version}, Chromium ${browser.version()}, code-server ${(() => { try { return require(path.join(ROOT, 'test/host/node_modules/code-server/package.json')).version; } catch { return '?'; } })()}`;
    const section = [
      `## Memory soak, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
      '',
      `- command: \`node bench/memorySoak.js --refreshes ${N} --interval-ms ${INTERVAL}${MODE !== 'refresh' ? ` --mode ${MODE}` : ''}${TAB ? ` --tab ${TAB}` : ''}\``,
      `- commit ${commit}${dirty}, dist/ built ${distAge.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      `- machine: ${machine}`,
      `- workspace: examples/ (${stored} calls stored), tab ${tab}, range Last 24 hours, apiMonitor.autoRefresh off (only the driven refreshes run)`,
      `- driver: ${MODE === 'refresh' ? '"Refresh now" clicked (host: rescan + read logs, cache dropped, tab recomputed; webview: re-render)' : 'the auto-refresh timer\'s callback (a `view` request; host snapshot cache of 3 s mostly hit back to back)'}`
        + `, each waited for until its snapshot rendered; ${N} refreshes, interval ${INTERVAL} ms between them;`
        + ` ${totalS.toFixed(0)} s in all, median ${med} ms, slowest ${slowest} ms per refresh${errors ? `; ${errors} samples showed an error in the status line` : ''}`,
      `- settle: ${SETTLE_MS / 1000} s after the range change before refresh 0; webview heap read after two HeapProfiler.collectGarbage (${heapScope});`
        + ' host RSS from ps (the extension host cannot be garbage-collected from outside)',
      ...(shared ? [`- shared heap brackets: ${baseline.toFixed(2)} MB before the dashboard opened, ${afterClose.toFixed(2)} MB after it was closed at the end`
        + ` (the webview's share at the settle point ≈ ${(first.heapMb - baseline).toFixed(2)} MB, at the end ≈ ${(last.heapMb - afterClose).toFixed(2)} MB);`
        + ` host RSS after closing ${hostClosed.toFixed(1)} MB`] : [`- host RSS after closing the dashboard ${hostClosed.toFixed(1)} MB; renderer heap ${afterClose.toFixed(2)} MB`]),
      '- DOM counters: Memory.getDOMCounters for the whole renderer (documents, nodes incl. detached ones, JS event listeners); DOM nodes and canvases: the webview document only',
      '',
      table,
      '',
      `**Verdict:** ${verdict}.`,
      '',
    ].join('\n');
    const exists = fs.existsSync(OUT);
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.appendFileSync(OUT, (exists ? '\n' : '# Memory\n\nWritten by `node bench/memorySoak.js` (see the top of that file for what is measured and how).\n\n') + section);
    console.log(`written to ${path.relative(process.cwd(), OUT)}`);
    if (wb.pageErrors.length) console.log(`page errors:\n${wb.pageErrors.slice(0, 10).join('\n')}`);
  } finally {
    if (cdp && cdp !== pageCdp) await cdp.detach().catch(() => {});
    await pageCdp?.detach().catch(() => {});
    await wb.close();
  }
}

main().catch(e => { console.error(e); process.exit(1); });
