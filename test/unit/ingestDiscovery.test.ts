import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_EXCLUDES, DEFAULT_LOG_GLOBS, discoverFiles, globToRegExp } from '../../src/core/ingest/discovery';

describe('ingest: discovery', () => {
  it('glob matcher: **, *, ?, braces, classes', () => {
    const m = (g: string, p: string): boolean => globToRegExp(g).test(p);
    assert.strictEqual(m('**/*.jsonl', 'a.jsonl'), true);
    assert.strictEqual(m('**/*.jsonl', 'x/y/a.jsonl'), true);
    assert.strictEqual(m('**/*.jsonl', 'x/y/a.jsonl.gz'), false);
    assert.strictEqual(m('*.jsonl', 'x/a.jsonl'), false); // * never crosses '/'
    assert.strictEqual(m('**/{log,logs}/**/*.{csv,gz}', 'srv/logs/2025/03/a.gz'), true);
    assert.strictEqual(m('**/{log,logs}/**/*.{csv,gz}', 'srv/catalogs/a.gz'), false);
    assert.strictEqual(m('**/*.jsonl.[0-9]', 'app.jsonl.3'), true);
    assert.strictEqual(m('**/*.jsonl.[!0-9]', 'app.jsonl.3'), false);
    assert.strictEqual(m('**/node_modules/**', 'a/node_modules/b/c.jsonl'), true);
    assert.strictEqual(m('a?c.har', 'abc.har'), true);
  });

  it('finds default log files and never enters excluded folders', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-disc-'));
    try {
      const files = ['calls.jsonl', 'api_metrics.json', 'package.json', 'logs/app.log', 'logs/2025/x.csv', 'logs/old.jsonl.1.gz',
        'src/a.ts', 'node_modules/pkg/x.jsonl', '.git/x.jsonl', 'dist/y.jsonl', '.venv/lib/z.jsonl', 'trace.har', 'app.jsonl.2'];
      for (const f of files) { fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true }); fs.writeFileSync(path.join(dir, f), '{}\n'); }
      const found = (await discoverFiles(dir, [...DEFAULT_LOG_GLOBS], [...DEFAULT_EXCLUDES])).map(f => path.relative(dir, f).split(path.sep).join('/'));
      assert.deepStrictEqual(found, ['api_metrics.json', 'app.jsonl.2', 'calls.jsonl', 'logs/2025/x.csv', 'logs/app.log', 'logs/old.jsonl.1.gz', 'trace.har']);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('a missing root gives no files, no throw', async () => {
    assert.deepStrictEqual(await discoverFiles(path.join(os.tmpdir(), 'does-not-exist-apimon'), ['**/*'], []), []);
  });
});
