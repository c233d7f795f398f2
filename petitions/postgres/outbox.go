package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// EnqueueReminders adds the reminders not stored yet, with their deliveries
// and inbox entries; see petitions.Store. The reminders are inserted in id
// order, so that two transactions enqueueing the same ones wait for each
// other instead of deadlocking; the second finds them stored.
func (db *DB) EnqueueReminders(ctx context.Context, rs []petitions.Reminder, channels []string) (int, error) {
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return 0, err
		}
	}
	for _, c := range channels {
		if c == "" {
			return 0, petitions.Errorf(petitions.EINVALID, "A reminder channel has no name.")
		}
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b petitions.Reminder) int { return cmp.Compare(a.ID, b.ID) })
	added := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		added = 0
		for i := range sorted {
			ok, err := enqueueReminder(ctx, tx, &sorted[i], channels)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// enqueueReminder inserts r with its deliveries and inbox entries, and
// reports whether it did: false when a reminder with r.ID is stored.
func enqueueReminder(ctx context.Context, tx pgx.Tx, r *petitions.Reminder, channels []string) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO reminders (id, case_id, case_no, step, kind, due, fired_at, recipients, text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.CaseID, r.CaseNo, string(r.Step), string(r.Kind), r.Due, r.At, uniqueStrings(r.Recipients), r.Text)
	switch {
	case foreignKeyViolation(err):
		return false, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", r.CaseID)
	case badText(err):
		return false, fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The reminder holds text the database cannot keep."), err)
	case err != nil:
		return false, internal(err, "reminder %s: insert", r.ID)
	case tag.RowsAffected() == 0:
		return false, nil // stored already
	}
	for _, c := range uniqueStrings(channels) {
		if _, err := tx.Exec(ctx, `INSERT INTO reminder_deliveries (reminder_id, channel, next_at) VALUES ($1, $2, $3)`,
			r.ID, c, r.At); err != nil {
			return false, internal(err, "reminder %s: delivery on %s", r.ID, c)
		}
	}
	for _, p := range uniqueStrings(r.Recipients) {
		if _, err := tx.Exec(ctx, `INSERT INTO reminder_inbox (person_id, reminder_id, fired_at) VALUES ($1, $2, $3)`,
			p, r.ID, r.At); err != nil {
			return false, internal(err, "reminder %s: inbox of %s", r.ID, p)
		}
	}
	return true, nil
}

// uniqueStrings returns ss without "" and repeats, in first-seen order.
func uniqueStrings(ss []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

const reminderColumns = `r.id, r.case_id, r.case_no, r.step, r.kind, r.due, r.fired_at, r.recipients, r.text`

// scanReminder reads reminderColumns, then the columns in rest, from row.
func scanReminder(row pgx.Row, r *petitions.Reminder, rest ...any) error {
	if err := row.Scan(append([]any{&r.ID, &r.CaseID, &r.CaseNo, &r.Step, &r.Kind, &r.Due, &r.At, &r.Recipients, &r.Text}, rest...)...); err != nil {
		return err
	}
	r.Due, r.At = r.Due.UTC(), r.At.UTC()
	if r.Recipients == nil {
		r.Recipients = []string{}
	}
	return nil
}

// utc returns the time a nullable column held, in UTC, or zero.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// PendingDeliveries returns deliveries due on channel; see petitions.Store.
func (db *DB) PendingDeliveries(ctx context.Context, channel string, now time.Time, limit int) ([]*petitions.Delivery, error) {
	var ds []*petitions.Delivery
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+reminderColumns+`, d.channel, d.attempts, d.next_at, d.last_error
			FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id
			WHERE d.channel = $1 AND d.delivered_at IS NULL AND d.next_at <= $2
			ORDER BY d.next_at, d.reminder_id LIMIT $3`, channel, now, petitions.OutboxLimit(limit))
		if err != nil {
			return err
		}
		ds, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*petitions.Delivery, error) {
			var d petitions.Delivery
			err := scanReminder(row, &d.Reminder, &d.Channel, &d.Attempts, &d.NextAt, &d.LastError)
			d.NextAt = d.NextAt.UTC()
			return &d, err
		})
		return err
	})
	if err != nil {
		return nil, internal(err, "pending deliveries on %s", channel)
	}
	if ds == nil {
		ds = []*petitions.Delivery{}
	}
	return ds, nil
}

// MarkDelivered records a delivery and appends its event; see
// petitions.Store. The delivery's row is locked (FOR UPDATE), so that of
// concurrent marks exactly one appends the event.
func (db *DB) MarkDelivered(ctx context.Context, id, channel string, at time.Time, ev *petitions.Event) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var caseID string
		var delivered *time.Time
		err := tx.QueryRow(ctx, `SELECT r.case_id, d.delivered_at
			FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id
			WHERE d.reminder_id = $1 AND d.channel = $2 FOR UPDATE OF d`, id, channel).Scan(&caseID, &delivered)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return petitions.Errorf(petitions.ENOTFOUND, "There is no delivery of reminder %s on %s.", id, channel)
		case err != nil:
			return internal(err, "delivery %s/%s", id, channel)
		case delivered != nil:
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE reminder_deliveries SET delivered_at = $1, last_error = ''
			WHERE reminder_id = $2 AND channel = $3`, at, id, channel); err != nil {
			return internal(err, "delivery %s/%s: mark delivered", id, channel)
		}
		if ev == nil {
			return nil
		}
		ev.CaseID = caseID
		return appendEvent(ctx, tx, ev)
	})
}

// MarkFailed records a failed attempt; see petitions.Store.
func (db *DB) MarkFailed(ctx context.Context, id, channel string, attempts int, next time.Time, lastErr string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reminder_deliveries WHERE reminder_id = $1 AND channel = $2)`,
			id, channel).Scan(&exists); err != nil {
			return internal(err, "delivery %s/%s", id, channel)
		}
		if !exists {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no delivery of reminder %s on %s.", id, channel)
		}
		_, err := tx.Exec(ctx, `UPDATE reminder_deliveries SET attempts = $1, next_at = $2, last_error = $3
			WHERE reminder_id = $4 AND channel = $5 AND delivered_at IS NULL`, attempts, next, lastErr, id, channel)
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The error holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "delivery %s/%s: mark failed", id, channel)
		}
		return nil
	})
}

// Inbox returns a page of a person's reminders, newest first; see
// petitions.Store.
func (db *DB) Inbox(ctx context.Context, personID, after string, limit int) ([]*petitions.InboxItem, error) {
	q := `SELECT ` + reminderColumns + `, i.read_at
		FROM reminder_inbox i JOIN reminders r ON r.id = i.reminder_id
		WHERE i.person_id = $1`
	args := []any{personID}
	if after != "" {
		q += ` AND (i.fired_at, i.reminder_id) <
			(SELECT fired_at, reminder_id FROM reminder_inbox WHERE person_id = $1 AND reminder_id = $2)`
		args = append(args, after)
	}
	args = append(args, petitions.OutboxLimit(limit))
	q += fmt.Sprintf(` ORDER BY i.fired_at DESC, i.reminder_id DESC LIMIT $%d`, len(args))
	var items []*petitions.InboxItem
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*petitions.InboxItem, error) {
			var it petitions.InboxItem
			var read *time.Time
			err := scanReminder(row, &it.Reminder, &read)
			it.ReadAt = utc(read)
			return &it, err
		})
		return err
	})
	if err != nil {
		return nil, internal(err, "inbox of %s", personID)
	}
	if items == nil {
		items = []*petitions.InboxItem{}
	}
	return items, nil
}

// MarkRead marks a reminder read in a person's inbox; see petitions.Store.
func (db *DB) MarkRead(ctx context.Context, personID, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE reminder_inbox SET read_at = coalesce(read_at, now())
		WHERE person_id = $1 AND reminder_id = $2`, personID, id)
	if err != nil {
		return internal(err, "inbox of %s: mark %s read", personID, id)
	}
	if tag.RowsAffected() == 0 {
		return petitions.Errorf(petitions.ENOTFOUND, "Reminder %s is not in the inbox of %s.", id, personID)
	}
	return nil
}
