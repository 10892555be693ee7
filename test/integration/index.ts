// The in-host test entry: VS Code's extension host loads this module (extensionTestsPath) and calls run().
// It runs mocha BDD (`describe`/`it`, like the unit tests) over the compiled out/test/integration/*.test.js
// and writes a JSON result file for scripts/run-integration.js, because extension-host console output
// reaches the driver only as unformatted browser-console lines.
import * as path from 'path';
import * as fs from 'fs';
import Mocha from 'mocha';

interface RunResult {
  passed: string[];
  failed: { title: string; err: string }[];
  summary: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd', color: false, reporter: 'spec',
    // generous: the extension's first ingest and the workbench share two cores with the browser
    timeout: 30000,
    grep: process.env.API_MONITOR_TEST_GREP || undefined,
  });
  const files = fs.readdirSync(__dirname).filter(f => f.endsWith('.test.js')).sort();
  for (const f of files) { mocha.addFile(path.join(__dirname, f)); }
  const resultFile = process.env.VSCODE_TEST_RESULT;   // set by scripts/run-integration.js
  const results: RunResult = { passed: [], failed: [], summary: '' };
  const write = (): void => {
    results.summary = `${results.passed.length} passed, ${results.failed.length} failed`;
    if (resultFile) { fs.writeFileSync(resultFile, JSON.stringify(results, null, 1)); }
  };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(failures => {
        write();
        if (failures > 0) { reject(new Error(`${failures} integration tests failed.`)); } else { resolve(); }
      });
      runner.on('pass', t => results.passed.push(t.fullTitle()));
      // 'fail' also fires for failing hooks (before/after): they count as failures too
      runner.on('fail', (t, err: unknown) => results.failed.push({
        title: t.fullTitle(), err: String((err as Error | undefined)?.stack ?? err),
      }));
    } catch (e) {
      // a test file that throws while loading
      results.failed.push({ title: 'loading the integration tests', err: String((e as Error)?.stack ?? e) });
      write();
      reject(e);
    }
  });
}
