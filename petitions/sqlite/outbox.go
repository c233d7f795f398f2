package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"hearingroom/petitions"
)

// EnqueueReminders adds the reminders not stored yet, with their deliveries
// and inbox entries; see petitions.Store.
func (db *DB) EnqueueReminders(ctx context.Context, rs []petitions.Reminder, channels []string) (int, error) {
	if err := checkReminders(rs, channels); err != nil {
		return 0, err
	}
	added := 0
	err := db.inTx(ctx, func(tx *wtx) error {
		added = 0
		now := db.now().UnixMicro()
		for i := range rs {
			ok, err := enqueueReminder(ctx, tx, &rs[i], channels, now)
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

// checkReminders returns EINVALID unless every reminder validates and every
// channel is named.
func checkReminders(rs []petitions.Reminder, channels []string) error {
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return err
		}
	}
	for _, c := range channels {
		if c == "" {
			return petitions.Errorf(petitions.EINVALID, "A reminder channel has no name.")
		}
	}
	return nil
}

// enqueueReminder inserts r with its deliveries and inbox entries, and
// reports whether it did: false when a reminder with r.ID is stored.
func enqueueReminder(ctx context.Context, tx *wtx, r *petitions.Reminder, channels []string, now int64) (bool, error) {
	recipients, _ := json.Marshal(uniqueStrings(r.Recipients))
	res, err := tx.ExecContext(ctx, `INSERT INTO reminders
		(id, case_id, case_no, step, kind, due, fired_at, recipients, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.CaseID, r.CaseNo, r.Step, r.Kind, r.Due.UnixMicro(), r.At.UnixMicro(), string(recipients), r.Text, now)
	switch {
	case isForeignKey(err):
		return false, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", r.CaseID)
	case err != nil:
		return false, internal(err, "reminder %s: insert", r.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, internal(err, "reminder %s: insert", r.ID)
	}
	if n == 0 {
		return false, nil // stored already
	}
	for _, c := range uniqueStrings(channels) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_deliveries (reminder_id, channel, next_at) VALUES (?, ?, ?)`,
			r.ID, c, r.At.UnixMicro()); err != nil {
			return false, internal(err, "reminder %s: delivery on %s", r.ID, c)
		}
	}
	for _, p := range uniqueStrings(r.Recipients) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_inbox (person_id, reminder_id, fired_at) VALUES (?, ?, ?)`,
			p, r.ID, r.At.UnixMicro()); err != nil {
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
func scanReminder(row interface{ Scan(...any) error }, r *petitions.Reminder, rest ...any) error {
	var due, at int64
	var recipients string
	if err := row.Scan(append([]any{&r.ID, &r.CaseID, &r.CaseNo, &r.Step, &r.Kind, &due, &at, &recipients, &r.Text}, rest...)...); err != nil {
		return err
	}
	r.Due, r.At = time.UnixMicro(due).UTC(), time.UnixMicro(at).UTC()
	r.Recipients = []string{}
	return json.Unmarshal([]byte(recipients), &r.Recipients)
}

// micros returns the time a nullable microsecond column holds, or zero.
func micros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

// PendingDeliveries returns deliveries due on channel; see petitions.Store.
func (db *DB) PendingDeliveries(ctx context.Context, channel string, now time.Time, limit int) ([]*petitions.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+reminderColumns+`, d.channel, d.attempts, d.next_at, d.last_error
		FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id
		WHERE d.channel = ? AND d.delivered_at IS NULL AND d.next_at <= ?
		ORDER BY d.next_at, d.reminder_id LIMIT ?`, channel, now.UnixMicro(), petitions.OutboxLimit(limit))
	if err != nil {
		return nil, internal(err, "pending deliveries on %s", channel)
	}
	defer rows.Close()
	ds := []*petitions.Delivery{}
	for rows.Next() {
		var d petitions.Delivery
		var next int64
		if err := scanReminder(rows, &d.Reminder, &d.Channel, &d.Attempts, &next, &d.LastError); err != nil {
			return nil, internal(err, "pending deliveries on %s", channel)
		}
		d.NextAt = time.UnixMicro(next).UTC()
		ds = append(ds, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "pending deliveries on %s", channel)
	}
	return ds, nil
}

// MarkDelivered records a delivery and appends its event; see
// petitions.Store.
func (db *DB) MarkDelivered(ctx context.Context, id, channel string, at time.Time, ev *petitions.Event) error {
	return db.inTx(ctx, func(tx *wtx) error {
		var caseID string
		var delivered sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT r.case_id, d.delivered_at
			FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id
			WHERE d.reminder_id = ? AND d.channel = ?`, id, channel).Scan(&caseID, &delivered)
		switch {
		case err == sql.ErrNoRows:
			return petitions.Errorf(petitions.ENOTFOUND, "There is no delivery of reminder %s on %s.", id, channel)
		case err != nil:
			return internal(err, "delivery %s/%s", id, channel)
		case delivered.Valid:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminder_deliveries SET delivered_at = ?, last_error = ''
			WHERE reminder_id = ? AND channel = ?`, at.UnixMicro(), id, channel); err != nil {
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
	return db.inTx(ctx, func(tx *wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reminder_deliveries WHERE reminder_id = ? AND channel = ?`,
			id, channel).Scan(&n); err != nil {
			return internal(err, "delivery %s/%s", id, channel)
		}
		if n == 0 {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no delivery of reminder %s on %s.", id, channel)
		}
		_, err := tx.ExecContext(ctx, `UPDATE reminder_deliveries SET attempts = ?, next_at = ?, last_error = ?
			WHERE reminder_id = ? AND channel = ? AND delivered_at IS NULL`, attempts, next.UnixMicro(), lastErr, id, channel)
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
		WHERE i.person_id = ?`
	args := []any{personID}
	if after != "" {
		q += ` AND (i.fired_at, i.reminder_id) <
			(SELECT fired_at, reminder_id FROM reminder_inbox WHERE person_id = ? AND reminder_id = ?)`
		args = append(args, personID, after)
	}
	q += ` ORDER BY i.fired_at DESC, i.reminder_id DESC LIMIT ?`
	args = append(args, petitions.OutboxLimit(limit))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "inbox of %s", personID)
	}
	defer rows.Close()
	items := []*petitions.InboxItem{}
	for rows.Next() {
		var it petitions.InboxItem
		var read sql.NullInt64
		if err := scanReminder(rows, &it.Reminder, &read); err != nil {
			return nil, internal(err, "inbox of %s", personID)
		}
		it.ReadAt = micros(read)
		items = append(items, &it)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "inbox of %s", personID)
	}
	return items, nil
}

// MarkRead marks a reminder read in a person's inbox; see petitions.Store.
func (db *DB) MarkRead(ctx context.Context, personID, id string) error {
	return db.inTx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reminder_inbox SET read_at = coalesce(read_at, ?)
			WHERE person_id = ? AND reminder_id = ?`, db.now().UnixMicro(), personID, id)
		if err != nil {
			return internal(err, "inbox of %s: mark %s read", personID, id)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return internal(err, "inbox of %s: mark %s read", personID, id)
		}
		if n == 0 {
			return petitions.Errorf(petitions.ENOTFOUND, "Reminder %s is not in the inbox of %s.", id, personID)
		}
		return nil
	})
}
