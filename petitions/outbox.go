package petitions

import "time"

// The outbox keeps the reminders of due dates (package petitions/reminders
// computes them) until every channel has delivered them. A reminder's ID is
// derived from what it reminds of, so that enqueueing it twice — after a
// restart, or from two servers — stores it once; each channel's delivery of
// it has its own state; each recipient finds it in an inbox.

// ReminderKind says how a due date stands when a reminder fires.
type ReminderKind string

// Reminder kinds.
const (
	ReminderDueSoon  ReminderKind = "due_soon"  // some days before the due day
	ReminderDueToday ReminderKind = "due_today" // on the due day
	ReminderOverdue  ReminderKind = "overdue"   // once the due day has ended
)

// KindReminderSent is the kind of the case event that records a reminder
// delivered on a channel; its Data holds {"id", "channel", "case"}.
const KindReminderSent = "reminder.sent"

// Reminder is one reminder of a case's due date, as the outbox keeps it.
type Reminder struct {
	// ID is unique: a hash of the case, the step, the due day and the kind
	// (reminders.ID), the same however often it is computed.
	ID     string       `json:"id"`
	CaseID string       `json:"case_id"`
	CaseNo string       `json:"case_no"`
	Step   Step         `json:"step"`
	Kind   ReminderKind `json:"kind"`
	// Due is the instant the step becomes overdue: the end of its adjusted
	// day (EndOfDay).
	Due time.Time `json:"due"`
	// Recipients are the ids of the people reminded, each of whom finds the
	// reminder in his inbox.
	Recipients []string `json:"recipients"`
	// At is when the reminder fired.
	At time.Time `json:"at"`
	// Text says it in Chinese, for people to read.
	Text string `json:"text"`
}

// Validate returns nil if r can be enqueued, or an EINVALID *Error naming
// the missing fields.
func (r *Reminder) Validate() error {
	if r == nil {
		return Errorf(EINVALID, "No reminder given.")
	}
	bad := map[string]string{}
	for field, missing := range map[string]bool{
		"id": r.ID == "", "case_id": r.CaseID == "", "step": r.Step == "",
		"kind": r.Kind == "", "due": r.Due.IsZero(), "at": r.At.IsZero(),
	} {
		if missing {
			bad[field] = "required"
		}
	}
	if len(bad) > 0 {
		return &Error{Code: EINVALID, Message: "The reminder is incomplete.", Fields: bad}
	}
	return nil
}

// Delivery is the state of one reminder on one channel.
type Delivery struct {
	Reminder Reminder `json:"reminder"`
	Channel  string   `json:"channel"`
	// Attempts counts the failed attempts so far.
	Attempts int `json:"attempts"`
	// NextAt is when the next attempt is due.
	NextAt      time.Time `json:"next_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// InboxItem is a reminder in one person's inbox.
type InboxItem struct {
	Reminder Reminder  `json:"reminder"`
	ReadAt   time.Time `json:"read_at,omitzero"`
}

// OutboxLimit returns the number of rows PendingDeliveries and Inbox return
// for limit: DefaultListLimit when it is 0 or less, MaxListLimit at most.
func OutboxLimit(limit int) int {
	return PetitionFilter{Limit: limit}.ListLimit()
}
