import path from 'node:path';
import { repoRoot } from '../config.js';

/** The client bundles `npm run build:dashboard` writes (ignored by git, built by setup and the image). */
export const DASHBOARD_BUNDLE = path.join(repoRoot, 'dist', 'dashboard', 'app.js');
export const POLICIES_BUNDLE = path.join(repoRoot, 'dist', 'dashboard', 'policies.js');

/** The pages' style sheet, served as written. */
export const DASHBOARD_CSS = path.join(repoRoot, 'src', 'dashboard', 'dashboard.css');
