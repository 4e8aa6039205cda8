import { DateTime } from 'luxon';
import { z } from 'zod';

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * `from` and `to` read the same, in JSON Schema terms (which cannot compare two fields): every
 * digit of HH:MM is the same in both.
 */
const sameDigit = (at: number) => ({
  anyOf: [...'0123456789'].map((d) => ({ properties: { from: { pattern: `^.{${at}}${d}` }, to: { pattern: `^.{${at}}${d}` } } })),
});
const SAME_TIME = { type: 'object', allOf: [0, 1, 3, 4].map(sameDigit) };

/**
 * When a person is not to be messaged (email, Slack), in their own time zone: `22:00`–`07:00` spans
 * midnight. The outbox log is written regardless; the other channels wait until it ends.
 */
export const QuietHoursSchema = z
  .strictObject({
    from: z.string().regex(CLOCK, 'HH:MM, 24-hour'),
    to: z.string().regex(CLOCK, 'HH:MM, 24-hour'),
  })
  .refine((q) => q.from !== q.to, { error: 'quiet hours must not start and end at the same time', path: ['to'] })
  .meta({
    id: 'QuietHours',
    description: 'From `from` to `to` (HH:MM, 24-hour) on the wall clock; they must differ.',
    example: { from: '20:00', to: '07:30' },
    not: SAME_TIME,
  });
export type QuietHours = z.infer<typeof QuietHoursSchema>;

const minutes = (clock: string): number => {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/**
 * The instant (epoch ms) a person's quiet hours end, if `now` falls in them; undefined when they may
 * be messaged now. Counted on their wall clock, so a daylight-saving change moves it with them.
 */
export function quietUntil(now: number, zone: string, quiet: QuietHours): number | undefined {
  const local = DateTime.fromMillis(now, { zone });
  const at = local.hour * 60 + local.minute;
  const from = minutes(quiet.from);
  const to = minutes(quiet.to);
  const inside = from < to ? at >= from && at < to : at >= from || at < to;
  if (!inside) return undefined;
  // The end is today when it is still ahead on the clock, otherwise tomorrow.
  const day = at < to ? local.startOf('day') : local.startOf('day').plus({ days: 1 });
  return day.set({ hour: Math.floor(to / 60), minute: to % 60 }).toMillis();
}
