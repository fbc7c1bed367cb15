// Adapter from the maintenance runner's WindowEvaluator port to the pure cron functions (placeholder until
// cron-window.ts lands).

import type { WindowEvaluator } from './maintenance.js';

export const evaluateWindow: WindowEvaluator = () => ({ active: false });
