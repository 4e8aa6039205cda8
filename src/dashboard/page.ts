import type { Principal } from '../domain/principals.js';

/**
 * The KPI page's HTML: a sign-in form, and the page itself — a frame the script (`/dashboard/app.js`)
 * fills from `/dashboard/data` — with the layout, header parts and links the policy page
 * (policies-page.ts) shares. No inline script or style anywhere, so the Content-Security-Policy can
 * allow only this origin's files.
 */

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => escapes[ch]!);

/** A page of the dashboard: its title, its body, and the script (one of this origin's bundles) it loads. */
export function layout(title: string, body: string, opts: { script?: string } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/dashboard.css">
${opts.script ? `<script src="${escapeHtml(opts.script)}" defer></script>\n` : ''}</head>
${body}
</html>
`;
}

/**
 * The sign-in form; `error` is shown above it (the token itself is never echoed). `next`: the page
 * to open once signed in (the server accepts only its own pages), when it is not the KPI page.
 */
export function loginPage(opts: { error?: string; next?: string } = {}): string {
  const error = opts.error ? `<p class="form-error" role="alert" id="login-error">${escapeHtml(opts.error)}</p>` : '';
  return layout(
    'Sign in · Baton KPIs',
    `<body class="login">
<main class="login-card" aria-labelledby="login-title">
<h1 id="login-title"><span class="brand-mark" aria-hidden="true">◆</span> Baton hand-off KPIs</h1>
<p class="muted">Sign in with your Baton API token. <code>npm start</code> prints the demo tokens.</p>
${error}
<form method="post" action="/dashboard/login" class="login-form">
${opts.next ? `<input type="hidden" name="next" value="${escapeHtml(opts.next)}">\n` : ''}<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false"${opts.error ? ' aria-invalid="true" aria-describedby="login-error"' : ''}>
<button type="submit">Sign in</button>
</form>
</main>
</body>`,
  );
}

const SCOPE_NOTE: Record<Principal['role'], string> = {
  sdr: 'Your hand-offs',
  ae: 'Hand-offs assigned to you',
  manager: 'All hand-offs',
  ops: 'All hand-offs',
  admin: 'All hand-offs',
};

/** The links between the pages, for those who may open more than the KPI page. */
export function pageNav(current: 'kpis' | 'policies'): string {
  const link = (page: typeof current, href: string, text: string): string =>
    `<a href="${href}"${page === current ? ' aria-current="page"' : ''}>${text}</a>`;
  return `<nav class="pages" aria-label="Pages">${link('kpis', '/dashboard', 'KPIs')}${link('policies', '/dashboard/policies', 'Policies')}</nav>\n`;
}

/** Who is signed in, and the sign-out button. */
export function who(principal: Principal, note: string): string {
  return `<div class="who">
<span><strong>${escapeHtml(principal.name)}</strong> <span class="muted">${escapeHtml(principal.role)} · ${escapeHtml(note)}</span></span>
<form method="post" action="/dashboard/logout"><button type="submit" class="link">Sign out</button></form>
</div>`;
}

/** A date input's value attribute (none when empty). */
export const valueAttr = (v: string | undefined): string => (v ? ` value="${escapeHtml(v)}"` : '');

function chart(id: string, title: string, description: string): string {
  return `<figure class="panel chart" aria-labelledby="${id}-title">
<figcaption><h2 id="${id}-title">${title}</h2><p class="muted">${description}</p></figcaption>
<div class="chart-box"><canvas id="${id}-chart" role="img" aria-label="${title}"></canvas></div>
<details class="chart-data"><summary>Data table</summary><div id="${id}-table"></div></details>
</figure>`;
}

/**
 * The page for a signed-in principal. `range` is what the request asked for (empty: the server's
 * defaults, which the script writes back into the picker once the figures arrive).
 */
export function dashboardPage(
  principal: Principal,
  range: { from?: string; to?: string; timeZone?: string },
  opts: { policyPage?: boolean } = {},
): string {
  return layout(
    'Baton hand-off KPIs',
    `<body class="dashboard" data-state="loading">
<header class="topbar">
<div class="brand"><span class="brand-mark" aria-hidden="true">◆</span> Baton <span class="muted">hand-off KPIs</span></div>
${opts.policyPage ? pageNav('kpis') : ''}<form class="range" method="get" action="/dashboard" aria-label="Date range">
<label>From <input type="date" name="from" id="range-from"${valueAttr(range.from)}></label>
<label>To <input type="date" name="to" id="range-to"${valueAttr(range.to)}></label>
${range.timeZone ? `<input type="hidden" name="timeZone"${valueAttr(range.timeZone)}>` : ''}<button type="submit">Apply</button>
</form>
${who(principal, SCOPE_NOTE[principal.role])}
</header>
<main>
<p id="status" class="status" role="status" aria-live="polite">Loading figures…</p>
<noscript><p class="status error">The KPI page needs JavaScript to draw its figures; <code>GET /v1/metrics</code> answers the same numbers.</p></noscript>
<section aria-labelledby="headline-title">
<h2 id="headline-title" class="visually-hidden">Headline figures</h2>
<ul class="tiles" id="tiles"></ul>
</section>
<div class="grid">
${chart('trend', 'Conversion and rejection by week', 'Share of the week’s assigned hand-offs that became an opportunity, or that an AE rejected for qualification.')}
${chart('ttfc', 'Time to first contact by tier', 'Hours from the first assignment to the first contact: median (p50) and p90.')}
${chart('reasons', 'Rejection reasons', 'Hand-offs an AE rejected for qualification, by reason.')}
<section class="panel matrix-panel" aria-labelledby="matrix-title">
<h2 id="matrix-title">SDR × AE</h2>
<p class="muted">Hand-offs per pair and their conversion rate; a darker cell converts better.</p>
<div id="matrix" class="matrix-wrap"></div>
</section>
</div>
</main>
<footer class="footer muted" id="footer"></footer>
</body>`,
    { script: '/dashboard/app.js' },
  );
}
