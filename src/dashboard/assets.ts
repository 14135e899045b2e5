import fs from 'node:fs';
import path from 'node:path';
import { DreamError } from '../errors';

/**
 * The project root: the nearest folder above `from` holding package.json. Compiled code runs
 * from dist/src/dashboard and the tests from src/dashboard; both find the same sources.
 */
export function projectRoot(from = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new DreamError('DASHBOARD_ASSETS_MISSING', `No package.json above ${from}.`, 'Run dreamos from its installed folder (the dashboard reads src/dashboard/ from there).');
    }
  }
}

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** URL path → file served as-is. Read once at start-up, so a missing file fails fast. */
export function loadAssets(root = projectRoot()): Map<string, Asset> {
  const dashboard = path.join(root, 'src', 'dashboard');
  let chartJs: string;
  try {
    chartJs = path.join(path.dirname(require.resolve('chart.js', { paths: [root] })), 'chart.umd.js');
  } catch {
    chartJs = path.join(root, 'node_modules', 'chart.js', 'dist', 'chart.umd.js');
  }
  const files: [string, string, string][] = [
    ['/', path.join(dashboard, 'page.html'), 'text/html; charset=utf-8'],
    ['/dashboard.js', path.join(dashboard, 'dashboard.js'), 'text/javascript; charset=utf-8'],
    ['/dashboard.css', path.join(dashboard, 'dashboard.css'), 'text/css; charset=utf-8'],
    ['/vendor/chart.umd.js', chartJs, 'text/javascript; charset=utf-8'],
  ];
  const assets = new Map<string, Asset>();
  for (const [urlPath, file, contentType] of files) {
    if (!fs.existsSync(file)) {
      throw new DreamError('DASHBOARD_ASSETS_MISSING', `The dashboard file ${file} is missing.`, 'Reinstall dependencies (`npm install`) or restore src/dashboard/ from the repository.');
    }
    assets.set(urlPath, { body: fs.readFileSync(file), contentType });
  }
  return assets;
}
