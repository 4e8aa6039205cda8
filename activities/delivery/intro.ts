import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { Notification } from '../../src/domain/notifications.js';
import type { Contact } from './directory.js';
import { escapeHtml } from './render.js';

/** How long the introduced meeting is booked for when the lead says only when it starts. */
export const INTRO_MEETING_MS = 30 * 60_000;

export interface IntroMail {
  subject: string;
  text: string;
  html: string;
  cc: { name: string; address: string }[];
  replyTo?: { name: string; address: string };
  /** The iCalendar document (METHOD:REQUEST or CANCEL), for nodemailer's `icalEvent`. */
  ics: string;
  method: 'REQUEST' | 'CANCEL';
}

/**
 * The warm introduction to the prospect: the SDR hands over to the AE (both in copy) with the SDR's
 * summary, and the meeting invite — organizer the AE, attendees the prospect and the SDR, one UID
 * per hand-off, SEQUENCE bumped by every change (a cancellation when the lead moves to another AE).
 */
export function introMail(n: Notification, prospect: Contact, cc: Contact[]): IntroMail {
  const pkg = n.handoff;
  const invite = n.invite;
  if (!pkg || !invite || !pkg.nextStep?.meetingAt)
    throw new Error(`${n.key}: a warm introduction needs the hand-off package, its invite and a meeting time`);
  const ae = cc.find((c) => c.id !== pkg.sdrId && c.email) ?? cc.find((c) => c.email);
  const sdr = cc.find((c) => c.id === pkg.sdrId);
  const aeName = ae?.name ?? 'your account executive';
  const sdrName = sdr?.name ?? pkg.sdrId;
  const start = new Date(pkg.nextStep.meetingAt);
  const cancelled = invite.method === 'CANCEL';

  const calendar = ical({
    prodId: { company: 'Baton', product: 'Hand-offs', language: 'EN' },
    method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: invite.uid,
    sequence: invite.sequence,
    start,
    end: new Date(start.getTime() + INTRO_MEETING_MS),
    summary: `${pkg.company} × ${aeName}${pkg.nextStep.text ? `: ${pkg.nextStep.text}` : ''}`,
    description: `${sdrName} introduces ${aeName}.${pkg.nextStep.meetingLink ? `\nJoin: ${pkg.nextStep.meetingLink}` : ''}`,
    ...(pkg.nextStep.meetingLink ? { location: pkg.nextStep.meetingLink, url: pkg.nextStep.meetingLink } : {}),
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    ...(ae?.email ? { organizer: { name: aeName, email: ae.email } } : {}),
    attendees: [
      { name: prospect.name, email: prospect.email!, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION, rsvp: true },
      ...(sdr?.email ? [{ name: sdrName, email: sdr.email, role: ICalAttendeeRole.OPT, status: ICalAttendeeStatus.ACCEPTED }] : []),
    ],
  });

  const first = prospect.name.split(/\s+/)[0] ?? prospect.name;
  const when = start.toUTCString();
  const lines = cancelled
    ? [
        `Hi ${first},`,
        '',
        `The meeting on ${when} with ${aeName} about ${pkg.company} is cancelled; we will be in touch with a new time.`,
        '',
        sdrName,
      ]
    : [
        `Hi ${first},`,
        '',
        `Thank you for your time so far. As promised, I'd like to introduce ${aeName} (in copy), who will take it from here.`,
        '',
        `${aeName}: ${prospect.name}${pkg.contact.title ? `, ${pkg.contact.title}` : ''} at ${pkg.company}.` +
          (pkg.painPoints.length > 0 ? ` What we discussed: ${pkg.painPoints.join(', ')}.` : ''),
        `Next step: ${pkg.nextStep.text ?? 'our meeting'} on ${when}${pkg.nextStep.meetingLink ? ` (${pkg.nextStep.meetingLink})` : ''}. The invite is attached.`,
        '',
        `Best,`,
        sdrName,
      ];
  const text = lines.join('\n');
  return {
    subject: cancelled ? `Cancelled: ${pkg.company} × ${aeName}` : `Introduction: ${pkg.company} × ${aeName}`,
    text,
    html: lines.map((l) => (l === '' ? '' : `<p>${escapeHtml(l)}</p>`)).join('\n'),
    cc: cc.filter((c) => c.email).map((c) => ({ name: c.name, address: c.email! })),
    ...(ae?.email ? { replyTo: { name: aeName, address: ae.email } } : {}),
    ics: calendar.toString(),
    method: invite.method,
  };
}
