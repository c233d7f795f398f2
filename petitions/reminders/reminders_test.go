package reminders

import (
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
)

// at returns a China time on a day of 2026.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, petitions.ChinaTime)
}

// handlingCase returns a case in progress whose handling deadline (60 days)
// ends on the day nominal, moved by the calendar.
func handlingCase(cal *petitions.Calendar, nominal time.Time) *petitions.Petition {
	start := nominal.AddDate(0, 0, -60)
	d := petitions.Deadline{Step: petitions.StepHandling, Start: start, Days: 60}
	d.Nominal, d.Adjusted = cal.AddDays(start, 60)
	return &petitions.Petition{
		ID: "case-1", CaseNo: "230722-2026-00001", Kind: petitions.KindPetition,
		State: "in_progress", Owner: "leader-1",
		Assignments: []petitions.Assignment{
			{PersonID: "clerk-1"}, {PersonID: "clerk-2", Recused: true}, {PersonID: "leader-1"},
		},
		Deadlines: map[petitions.Step]petitions.Deadline{petitions.StepHandling: d},
	}
}

func TestDue(t *testing.T) {
	cal := petitions.DefaultCalendar()
	lc := petitions.PetitionLifecycle(cal, nil)
	// Nominally due on 3 October, in the National Day holiday (1–7 October):
	// due on Thursday 8 October. Three and one day before fall in the
	// holiday, so both move back to Wednesday 30 September.
	national := handlingCase(cal, at(10, 3, 0, 0))
	// Due on Thursday 9 July, an ordinary week.
	july := handlingCase(cal, at(7, 9, 0, 0))
	// Due on Monday 13 July: one day before is a Sunday and moves back to
	// Friday 10 July, which is three days before.
	monday := handlingCase(cal, at(7, 13, 0, 0))
	// Due on Wednesday 23 September: three days before is Sunday 20
	// September, a make-up working day, where it stays.
	makeup := handlingCase(cal, at(9, 23, 0, 0))
	closed := handlingCase(cal, at(7, 9, 0, 0))
	closed.State = "closed"

	tests := []struct {
		name    string
		p       *petitions.Petition
		now     time.Time
		offsets []time.Duration
		want    string // kind/offset label and days left, "" for none
	}{
		{"holiday: nothing yet", national, at(9, 29, 23, 59), DefaultOffsets, ""},
		{"holiday: both due_soon moved to the eve", national, at(9, 30, 0, 0), DefaultOffsets, "due_soon/24h0m0s 8"},
		{"holiday: within it", national, at(10, 7, 12, 0), DefaultOffsets, "due_soon/24h0m0s 8"},
		{"holiday: due day", national, at(10, 8, 0, 0), DefaultOffsets, "due_today"},
		{"holiday: last second of the due day", national, at(10, 8, 23, 59), DefaultOffsets, "due_today"},
		{"holiday: overdue", national, at(10, 9, 0, 0), DefaultOffsets, "overdue"},
		{"week: three days before", july, at(7, 6, 9, 0), DefaultOffsets, "due_soon/72h0m0s 3"},
		{"week: two days before", july, at(7, 7, 9, 0), DefaultOffsets, "due_soon/72h0m0s 3"},
		{"week: one day before", july, at(7, 8, 0, 0), DefaultOffsets, "due_soon/24h0m0s 1"},
		{"week: no offsets", july, at(7, 8, 0, 0), nil, ""},
		{"week: one offset", july, at(7, 9, 1, 0), []time.Duration{2 * Day}, "due_today"},
		{"weekend: moved back to Friday", monday, at(7, 10, 8, 0), DefaultOffsets, "due_soon/24h0m0s 3"},
		{"weekend: Thursday", monday, at(7, 9, 23, 0), DefaultOffsets, ""},
		{"make-up working day kept", makeup, at(9, 20, 0, 0), DefaultOffsets, "due_soon/72h0m0s 3"},
		{"make-up working day, the day before", makeup, at(9, 19, 23, 59), DefaultOffsets, ""},
		{"inactive case", closed, at(7, 20, 0, 0), DefaultOffsets, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := Due(tt.p, lc, tt.now, tt.offsets)
			got := ""
			if len(rs) > 1 {
				t.Fatalf("Due = %d reminders; want at most 1", len(rs))
			}
			if len(rs) == 1 {
				r := rs[0]
				got = string(r.Kind)
				if r.Kind == petitions.ReminderDueSoon {
					for _, off := range []time.Duration{3 * Day, Day, 2 * Day} {
						if r.ID == ID(tt.p.ID, r.Step, r.Due.Add(-time.Second), "due_soon/"+off.String()) {
							got = "due_soon/" + off.String()
						}
					}
					got += " " + strings.TrimSpace(strings.Split(strings.Split(r.Text, "还剩 ")[1], " 天")[0])
				}
				if r.At.After(tt.now) || r.CaseID != tt.p.ID || r.Step != petitions.StepHandling {
					t.Fatalf("reminder = %+v", r)
				}
			}
			if got != tt.want {
				t.Fatalf("Due at %s = %q; want %q", tt.now.Format(time.DateTime), got, tt.want)
			}
		})
	}
}

func TestDueFields(t *testing.T) {
	cal := petitions.DefaultCalendar()
	lc := petitions.PetitionLifecycle(cal, nil)
	p := handlingCase(cal, at(10, 3, 0, 0))
	rs := Due(p, lc, at(10, 9, 10, 0), DefaultOffsets)
	if len(rs) != 1 {
		t.Fatalf("Due = %d reminders; want 1", len(rs))
	}
	r := rs[0]
	if !r.Due.Equal(at(10, 9, 0, 0)) || !r.At.Equal(at(10, 9, 0, 0)) {
		t.Fatalf("overdue reminder due %v at %v; want both the end of 8 October", r.Due, r.At)
	}
	if got := strings.Join(r.Recipients, ","); got != "leader-1,clerk-1" {
		t.Fatalf("recipients = %s; want the owner, then the assignees who did not recuse", got)
	}
	if want := "【已超期】案件 230722-2026-00001 的办理期限已于 2026年10月8日 届满"; !strings.HasPrefix(r.Text, want) {
		t.Fatalf("text = %q; want it to start %q", r.Text, want)
	}
	if again := Due(p, lc, at(10, 20, 0, 0), DefaultOffsets); again[0].ID != r.ID {
		t.Fatal("the overdue reminder's id changed with the time it was computed")
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	// The extension replaces the handling deadline: a new step, new ids.
	ext := p.Deadlines[petitions.StepHandling]
	ext.Step, ext.Days = petitions.StepHandlingExtended, 90
	ext.Nominal, ext.Adjusted = cal.AddDays(ext.Start, 90)
	p.Deadlines[petitions.StepHandlingExtended] = ext
	rs = Due(p, lc, at(10, 9, 10, 0), DefaultOffsets)
	if len(rs) != 0 {
		t.Fatalf("Due after the extension = %+v; want none yet", rs)
	}
	rs = Due(p, lc, ext.Adjusted, DefaultOffsets)
	if len(rs) != 1 || rs[0].Step != petitions.StepHandlingExtended || rs[0].Kind != petitions.ReminderDueToday {
		t.Fatalf("Due on the extended day = %+v", rs)
	}
	if !strings.Contains(rs[0].Text, "延期办理期限今日") {
		t.Fatalf("text = %q", rs[0].Text)
	}
}

func TestDueSupervisions(t *testing.T) {
	cal := petitions.DefaultCalendar()
	lc := petitions.PetitionLifecycle(cal, nil)
	p := handlingCase(cal, at(10, 3, 0, 0))
	sup := func(issued time.Time, answered bool) petitions.Supervision {
		d := petitions.Deadline{Step: "supervision", Start: issued, Days: 30}
		d.Nominal, d.Adjusted = cal.AddDays(issued, 30)
		s := petitions.Supervision{By: "county", IssuedAt: issued, Due: d}
		if answered {
			s.FeedbackAt = issued.AddDate(0, 0, 3)
		}
		return s
	}
	// Two open supervisions due the same day make one reminder; an answered
	// one makes none.
	p.Supervisions = []petitions.Supervision{
		sup(at(8, 20, 10, 0), false), sup(at(8, 20, 15, 0), false), sup(at(8, 1, 0, 0), true),
	}
	now := at(10, 9, 12, 0) // supervision due 19 September; handling 8 October
	rs := Due(p, lc, now, DefaultOffsets)
	if len(rs) != 2 {
		t.Fatalf("Due = %+v; want the handling and one supervision reminder", rs)
	}
	if rs[0].Step != StepSupervision || rs[0].Kind != petitions.ReminderOverdue || !strings.Contains(rs[0].Text, "督办反馈") {
		t.Fatalf("first reminder = %+v; want the supervision overdue", rs[0])
	}
	if rs[1].Step != petitions.StepHandling || rs[1].Kind != petitions.ReminderOverdue {
		t.Fatalf("second reminder = %+v; want the handling overdue", rs[1])
	}
	p.State = "archived"
	if rs := Due(p, lc, now, DefaultOffsets); len(rs) != 0 {
		t.Fatalf("Due(archived) = %+v; want none: supervisions of an inactive case remind no one", rs)
	}
}
