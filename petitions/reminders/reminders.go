// Package reminders reminds the people of a case of its due dates: some days
// before (due_soon), on the day (due_today) and once it has passed
// (overdue). Due computes, purely, the reminders a case has fired by a given
// time; a Dispatcher enqueues them in the store's outbox and delivers them on
// the operator's channels (package webhook: a signed JSON webhook, WeCom and
// DingTalk group robots) and in each recipient's inbox.
//
// A reminder's ID is a hash of what it reminds of, so the outbox keeps it
// once however often it is computed: across restarts, and from several
// servers. A channel's delivery is marked in the store once sent, and never
// sent again; a crash between a send and its mark can repeat that one send,
// with the same id, which receivers may use to drop the repeat.
package reminders

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"hearingroom/petitions"
)

// Reminder is a reminder as the outbox keeps it.
type Reminder = petitions.Reminder

// StepSupervision is the step of a supervision's feedback (督办反馈) when
// its deadline names none.
const StepSupervision petitions.Step = "supervision"

// Day is a day of offsets.
const Day = 24 * time.Hour

// DefaultOffsets are the due_soon reminders a Dispatcher fires unless told
// otherwise: three days and one day before the due day.
var DefaultOffsets = []time.Duration{3 * Day, 1 * Day}

// ID returns the id of the reminder of kind (label, for due_soon, names its
// offset too) of the deadline of step with adjusted day adjusted, in case
// caseID: the first 128 bits of a SHA-256, in hex.
func ID(caseID string, step petitions.Step, adjusted time.Time, label string) string {
	day := petitions.ChinaDate(adjusted).Format(petitions.DayLayout)
	sum := sha256.Sum256([]byte(strings.Join([]string{caseID, string(step), day, label}, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// workdays is what a DayCounter that knows rest days (*petitions.Calendar)
// also does.
type workdays interface {
	IsWorkday(t time.Time) bool
}

// Due returns the reminders of case p that have fired by now, in the order
// they fired: for the deadline running in its state (lc.Due) and for each
// supervision awaiting feedback, the latest of
//
//   - due_soon, at 00:00 (China time) offset before the adjusted day, for
//     each positive offset, moved back to the last working day before it
//     when it falls on a rest day and lc's DayCounter knows rest days (as
//     *petitions.Calendar does), and never before the deadline started;
//   - due_today, at 00:00 of the adjusted day;
//   - overdue, at its end (24:00).
//
// Only the latest is returned: a case first seen overdue is reminded that it
// is overdue, not that it was due soon. A case in an inactive state has
// none. Recipients are the case's owner (包案 leader) and its assignees who
// have not recused themselves; the Dispatcher adds the lead unit's people.
func Due(p *petitions.Petition, lc *petitions.Lifecycle, now time.Time, offsets []time.Duration) []Reminder {
	if p == nil || lc == nil || !lc.Active(p.State) {
		return nil
	}
	var w workdays
	if cal, ok := lc.Days.(workdays); ok {
		w = cal
	}
	var deadlines []petitions.Deadline
	if d, ok := lc.Due(p); ok {
		if d.Step == "" {
			d.Step = lc.Timers[p.State]
		}
		deadlines = append(deadlines, d)
	}
	for _, s := range p.Supervisions {
		if s.FeedbackAt.IsZero() && !s.Due.Adjusted.IsZero() {
			d := s.Due
			if d.Step == "" {
				d.Step = StepSupervision
			}
			deadlines = append(deadlines, d)
		}
	}
	var out []Reminder
	for _, d := range deadlines {
		if d.Adjusted.IsZero() {
			continue
		}
		r, ok := latest(p, d, now, offsets, w)
		if ok && !slices.ContainsFunc(out, func(o Reminder) bool { return o.ID == r.ID }) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Reminder) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// firing is one reminder a deadline may fire.
type firing struct {
	kind  petitions.ReminderKind
	label string // kind, and the offset of a due_soon
	at    time.Time
}

// schedule returns the reminders of deadline d in the order they fire (ties
// keep the order of offsets, longest first, then due_today, then overdue).
func schedule(d petitions.Deadline, offsets []time.Duration, w workdays) []firing {
	day := petitions.ChinaDate(d.Adjusted)
	var fs []firing
	sorted := slices.Clone(offsets)
	slices.SortFunc(sorted, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	for _, off := range slices.Compact(sorted) {
		if off <= 0 {
			continue
		}
		at := day.Add(-off)
		for i := 0; w != nil && !w.IsWorkday(at) && i < 366; i++ {
			at = petitions.ChinaDate(at).Add(-Day)
		}
		if !d.Start.IsZero() && at.Before(d.Start) {
			continue
		}
		fs = append(fs, firing{petitions.ReminderDueSoon, fmt.Sprintf("%s/%s", petitions.ReminderDueSoon, off), at})
	}
	fs = append(fs,
		firing{petitions.ReminderDueToday, string(petitions.ReminderDueToday), day},
		firing{petitions.ReminderOverdue, string(petitions.ReminderOverdue), petitions.EndOfDay(d.Adjusted)})
	slices.SortStableFunc(fs, func(a, b firing) int { return a.at.Compare(b.at) })
	return fs
}

// latest returns the last reminder of deadline d fired by now, if any.
func latest(p *petitions.Petition, d petitions.Deadline, now time.Time, offsets []time.Duration, w workdays) (Reminder, bool) {
	var last *firing
	fs := schedule(d, offsets, w)
	for i := range fs {
		if !fs[i].at.After(now) {
			last = &fs[i]
		}
	}
	if last == nil {
		return Reminder{}, false
	}
	r := Reminder{
		ID:     ID(p.ID, d.Step, d.Adjusted, last.label),
		CaseID: p.ID, CaseNo: p.CaseNo, Step: d.Step, Kind: last.kind,
		Due: petitions.EndOfDay(d.Adjusted), Recipients: CaseRecipients(p), At: last.at,
	}
	r.Text = Text(r)
	return r, true
}

// CaseRecipients returns the people a case's reminders go to by the case
// itself: its owner, then its assignees who have not recused themselves,
// each once.
func CaseRecipients(p *petitions.Petition) []string {
	ids := []string{}
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	add(p.Owner)
	for _, a := range p.Assignments {
		if !a.Recused {
			add(a.PersonID)
		}
	}
	return ids
}
