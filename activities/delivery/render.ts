import type { HandoffPackage, Notification, NotificationKind } from '../../src/domain/notifications.js';

/** A notification as a person reads it: a subject line, plain text, and the same as HTML. */
export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export const TITLES: Record<NotificationKind, string> = {
  assignment: 'New hand-off',
  contact_reminder: 'Reminder: first contact due',
  escalation: 'Escalation',
  returned_to_sdr: 'Returned to you',
  handoff_window_missed: 'Hand-off window missed',
  no_eligible_ae: 'No eligible AE',
  feedback_reminder: 'Outcome and rating due',
  warm_intro: 'Introduction',
};

/** The package's lines: who, company, pain, next step, score with its reasons, the contact deadline. */
export function packageLines(p: HandoffPackage): [label: string, value: string][] {
  const lines: [string, string][] = [
    ['Company', p.company],
    ['Contact', [p.contact.name, p.contact.title, p.contact.email].filter(Boolean).join(', ')],
  ];
  if (p.painPoints.length > 0) lines.push(['Pain', p.painPoints.join(', ')]);
  if (p.nextStep) {
    const { text, meetingAt, meetingLink } = p.nextStep;
    lines.push(['Next step', [text, meetingAt && `meeting ${meetingAt}`, meetingLink].filter(Boolean).join(' · ')]);
  }
  if (p.score !== undefined) lines.push(['Score', `${p.score}${p.tier ? ` (${p.tier})` : ''}`]);
  if (p.reasons.length > 0) lines.push(['Why', p.reasons.join('; ')]);
  if (p.contactBy) lines.push(['First contact by', p.contactBy]);
  lines.push(['SDR', p.sdrId]);
  if (p.aeId) lines.push(['AE', p.aeId]);
  return lines;
}

export function render(n: Notification): Rendered {
  if (n.digest) {
    const subject = `[Baton] ${TITLES[n.kind]}: ${n.digest.length} hand-offs`;
    const text = [n.message, '', ...n.digest.map((d) => `- ${d.message}`)].join('\n');
    const html = `<p>${escapeHtml(n.message)}</p>\n<ul>${n.digest.map((d) => `<li>${escapeHtml(d.message)}</li>`).join('')}</ul>`;
    return { subject, text, html };
  }
  const subject = `[Baton] ${TITLES[n.kind]}: ${n.handoff?.company ?? n.handoffId}`;
  const lines = n.handoff ? packageLines(n.handoff) : [];
  const text = [n.message, '', ...lines.map(([label, value]) => `${label}: ${value}`), '', `Hand-off ${n.handoffId}`].join('\n');
  const html = [
    `<p>${escapeHtml(n.message)}</p>`,
    lines.length > 0
      ? `<table>${lines.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`
      : '',
    `<p style="color:#666">Hand-off ${escapeHtml(n.handoffId)}</p>`,
  ].join('\n');
  return { subject, text, html };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
