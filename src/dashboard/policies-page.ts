import type { Principal } from '../domain/principals.js';
import { escapeHtml, layout, pageNav, valueAttr, who } from './page.js';

/**
 * The policy page's HTML (`GET /dashboard/policies`): a frame its script (`/dashboard/policies.js`)
 * fills from `/dashboard/policies/catalog`, `/dashboard/policies/simulate` and the version's diff.
 * Like the KPI page: no inline script or style, so the same Content-Security-Policy holds.
 */

function figure(id: string, title: string, description: string): string {
  return `<figure class="panel chart" aria-labelledby="${id}-title">
<figcaption><h3 id="${id}-title">${title}</h3><p class="muted" id="${id}-note">${description}</p></figcaption>
<ul class="legend" id="${id}-legend" aria-hidden="true"></ul>
<div class="svg-box" id="${id}-chart"></div>
<details class="chart-data"><summary>Data table</summary><div id="${id}-table"></div></details>
</figure>`;
}

/** `query`: what the address asked for (the script fills the rest from the catalog's defaults). */
export function policiesPage(principal: Principal, query: { from?: string; to?: string; timeZone?: string }): string {
  return layout(
    'Baton policy what-if',
    `<body class="dashboard policies" data-state="loading">
<header class="topbar">
<div class="brand"><span class="brand-mark" aria-hidden="true">◆</span> Baton <span class="muted">policy what-if</span></div>
${pageNav('policies')}${who(principal, 'policy catalog')}
</header>
<main>
<h1 class="visually-hidden">Policy what-if</h1>
<p id="status" class="status" role="status" aria-live="polite">Loading the policy catalog…</p>
<noscript><p class="status error">The policy page needs JavaScript; <code>POST /v1/policies/simulate</code> answers the same report.</p></noscript>
<section class="panel" aria-labelledby="pick-title">
<h2 id="pick-title">Simulate a policy version</h2>
<p class="muted">Replays the lead data of every hand-off submitted in the range under the live policy and under the version you pick: what would have changed, had it been live. Nothing live is touched.</p>
<form class="simulate-form" id="simulate-form" method="get" action="/dashboard/policies">
<label>Version <select name="policy" id="policy-version" required></select></label>
<label>From <input type="date" name="from" id="range-from"${valueAttr(query.from)}></label>
<label>To <input type="date" name="to" id="range-to"${valueAttr(query.to)}></label>
${query.timeZone ? `<input type="hidden" name="timeZone"${valueAttr(query.timeZone)}>\n` : ''}<button type="submit" id="run">Run simulation</button>
</form>
<h3 id="catalog-title">Catalog</h3>
<div id="catalog" class="table-wrap"></div>
</section>
<div id="results" class="results" hidden>
<section aria-labelledby="summary-title">
<h2 id="summary-title">What <span id="candidate-name"></span> would have changed</h2>
<p id="summary" class="summary"></p>
<p id="fidelity" class="status error" role="note" hidden></p>
<ul class="tiles" id="tiles" aria-label="Headline numbers"></ul>
</section>
<section class="panel" aria-labelledby="diff-title">
<h3 id="diff-title">Field by field against the live policy</h3>
<div id="diff" class="table-wrap"></div>
</section>
<div class="grid">
${figure('buckets', 'Hand-offs per bucket', 'Where each replayed hand-off lands: a tier, nurture, not ICP, or still incomplete.')}
${figure('shares', 'AE expected shares', 'Of the routed hand-offs, the share each AE would get.')}
${figure('deadlines', 'Deadline shifts', 'Hand-off and contact deadlines the version moves, and those met as recorded that it would have missed.')}
</div>
<div class="grid wide">
<section class="panel" aria-labelledby="conversion-title">
<h3 id="conversion-title">Conversion per bucket</h3>
<p class="muted">Of the hand-offs whose AE reported an outcome, the share that became an opportunity, grouped as each policy buckets them.</p>
<div id="conversion" class="table-wrap"></div>
</section>
<section class="panel movements-panel" aria-labelledby="movements-title">
<h3 id="movements-title">Where hand-offs move</h3>
<div id="movements"></div>
</section>
</div>
<section class="panel changed-panel" aria-labelledby="changed-title">
<div class="panel-head">
<h3 id="changed-title">Changed hand-offs</h3>
<a id="csv-link" class="button-link" href="/dashboard/policies/simulate.csv" download>Download CSV</a>
</div>
<p class="muted" id="changed-note"></p>
<div id="changed" class="table-wrap"></div>
</section>
</div>
</main>
<footer class="footer muted" id="footer"></footer>
</body>`,
    { script: '/dashboard/policies.js' },
  );
}

/** A signed-in principal whose role may not open a page: what it is for, and the way back. */
export function refusedPage(principal: Principal, page: { title: string; allowed: readonly string[] }): string {
  return layout(
    `${page.title} · Baton`,
    `<body class="login">
<main class="login-card" aria-labelledby="refused-title">
<h1 id="refused-title"><span class="brand-mark" aria-hidden="true">◆</span> ${escapeHtml(page.title)}</h1>
<p class="form-error" role="alert" id="refused">Signed in as ${escapeHtml(principal.name)} (${escapeHtml(principal.role)}), you may not open this page; allowed roles: ${escapeHtml(page.allowed.join(', '))}.</p>
<p><a href="/dashboard">Back to the KPI page</a></p>
<form method="post" action="/dashboard/logout"><button type="submit" class="link">Sign in as someone else</button></form>
</main>
</body>`,
  );
}
