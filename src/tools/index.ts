// The registry (Miller's verb table): every tool by name, loaded lazily so a bin only pays for its own
// imports. --help of the umbrella command, the README's tool list and `event-pipes TOOL ...` read it.
import type { Tool } from '../core/tool.js';

export const registry: Record<string, () => Promise<{ default: Tool }>> = {
  'filter-engaged': () => import('./filter-engaged.js'),
  'to-local-date': () => import('./to-local-date.js'),
  'count-by': () => import('./count-by.js'),
  'load-sqlite': () => import('./load-sqlite.js'),
  'load-postgres': () => import('./load-postgres.js'),
  'query-sqlite': () => import('./query-sqlite.js'),
  'query-postgres': () => import('./query-postgres.js'),
  'validate': () => import('./validate.js'),
  'final-action': () => import('./final-action.js'),
  'watch-ratio': () => import('./watch-ratio.js'),
  'merge-keys': () => import('./merge-keys.js'),
  'reel-interest': () => import('./reel-interest.js'),
  'to-parquet': () => import('./to-parquet.js'),
  'dedupe': () => import('./dedupe.js'),
  'where': () => import('./where.js'),
  'join': () => import('./join.js'),
  'subscription-status': () => import('./subscription-status.js'),
  'sessionize': () => import('./sessionize.js'),
  'match-points': () => import('./match-points.js'),
  'stats-api': () => import('./stats-api.js'),
  'from-csv': () => import('./from-csv.js'),
  'from-json': () => import('./from-json.js'),
  'to-csv': () => import('./to-csv.js'),
  'to-table': () => import('./to-table.js'),
  'top': () => import('./top.js'),
  'retention': () => import('./retention.js'),
  'anomalies': () => import('./anomalies.js'),
  'clip': () => import('./clip.js'),
  'save': () => import('./save.js'),
  'plot': () => import('./plot.js'),
};

export async function loadTool(name: string): Promise<Tool | undefined> {
  const load = registry[name];
  return load ? (await load()).default : undefined;
}
