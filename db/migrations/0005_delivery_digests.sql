-- Digests: a burst of alerts of one kind to one person on one channel is folded into one message.
-- The first goes out at once; the rest of the window's are `held` with their text and go out
-- together, as one digest, when the window ends (src/db/deliveries.ts, activities/delivery/).
ALTER TABLE deliveries ADD COLUMN message text;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('sending', 'sent', 'failed', 'refused', 'held'));
CREATE INDEX deliveries_by_recipient ON deliveries (recipient, channel, kind, status);
