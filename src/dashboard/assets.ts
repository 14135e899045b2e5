import fs from 'node:fs';
import path from 'node:path';
import { DreamError } from '../errors';
import { CLIENT_JS } from './static/client';
import { MISSIONS_JS } from './static/missions';
import { PAGE_HTML } from './static/page';
import { STYLE_CSS } from './static/style';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/**
 * Chart.js's browser build, from the installed package: served by the dashboard itself, so the
 * page needs no CDN and works offline.
 */
export function chartJsFile(): string {
  let dist: string;
  try {
    dist = path.dirname(require.resolve('chart.js'));
  } catch (err) {
    throw new DreamError('DASHBOARD_ASSETS_MISSING', 'The chart.js package is not installed.', 'Run `npm install` (chart.js is a dependency of dreamos).', { cause: err });
  }
  const file = path.join(dist, 'chart.umd.js');
  if (!fs.existsSync(file)) {
    throw new DreamError('DASHBOARD_ASSETS_MISSING', `${file} is missing: chart.js 4 ships its browser build there.`, 'Reinstall dependencies with `npm install`.');
  }
  return file;
}

/** URL path → what is served as-is. Built once at start-up, so a missing file fails fast. */
export function loadAssets(): Map<string, Asset> {
  return new Map<string, Asset>([
    ['/', { body: Buffer.from(PAGE_HTML), contentType: 'text/html; charset=utf-8' }],
    ['/dashboard.js', { body: Buffer.from(CLIENT_JS), contentType: 'text/javascript; charset=utf-8' }],
    ['/missions.js', { body: Buffer.from(MISSIONS_JS), contentType: 'text/javascript; charset=utf-8' }],
    ['/dashboard.css', { body: Buffer.from(STYLE_CSS), contentType: 'text/css; charset=utf-8' }],
    ['/vendor/chart.umd.js', { body: fs.readFileSync(chartJsFile()), contentType: 'text/javascript; charset=utf-8' }],
  ]);
}
