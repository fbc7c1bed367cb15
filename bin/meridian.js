#!/usr/bin/env node
// Entry point of the `meridian` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import { main } from '../dist/src/cli/main.js';

await main();
