package petitions

import (
	"fmt"
	"strings"
	"time"
)

// Station is a reception room (接访室) of a unit: the village committee's
// screen, a township's hall, the county centre. Terminals are enrolled to a
// station and start sessions for it only; the reception schedule says which
// leader receives at which station on which day.
type Station struct {
	ID   string `json:"id"`
	Unit string `json:"unit"` // the unit the station belongs to
	Name string `json:"name"`
	// Hours are the station's opening hours, "HH:MM-HH:MM" in China time
	// ("08:30-17:30"; "00:00-24:00" is all day); "" means DefaultHours.
	// While open, the station's terminal publishes its camera for the
	// leaders' wall; outside them it publishes nothing.
	Hours string `json:"hours,omitempty"`
}

// DefaultHours are the opening hours of a station configured without any:
// a village committee's office day.
const DefaultHours = "08:30-17:30"

// ParseHours returns the opening and closing minutes since midnight of
// hours ("HH:MM-HH:MM", closing after opening, at most "24:00"), or an
// error saying what is wrong.
func ParseHours(hours string) (open, close int, err error) {
	from, to, ok := strings.Cut(hours, "-")
	if !ok {
		return 0, 0, fmt.Errorf("must be written HH:MM-HH:MM")
	}
	minutes := func(s string) (int, bool) {
		var h, m int
		if len(s) != 5 || s[2] != ':' {
			return 0, false
		}
		if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || m > 59 || h > 24 || (h == 24 && m > 0) {
			return 0, false
		}
		return h*60 + m, true
	}
	open, ok1 := minutes(strings.TrimSpace(from))
	close, ok2 := minutes(strings.TrimSpace(to))
	switch {
	case !ok1 || !ok2:
		return 0, 0, fmt.Errorf("must be written HH:MM-HH:MM")
	case close <= open:
		return 0, 0, fmt.Errorf("must close after it opens")
	}
	return open, close, nil
}

// OpenHours returns s's opening hours: Hours, or DefaultHours when unset.
func (s *Station) OpenHours() string {
	if s.Hours == "" {
		return DefaultHours
	}
	return s.Hours
}

// OpenAt reports whether s is open at t (China time). Hours that do not
// parse keep the station closed.
func (s *Station) OpenAt(t time.Time) bool {
	open, close, err := ParseHours(s.OpenHours())
	if err != nil {
		return false
	}
	t = t.In(ChinaTime)
	m := t.Hour()*60 + t.Minute()
	return open <= m && m < close
}

// Validate returns EINVALID with a message per bad field if s has no id,
// unit or name, hours that do not parse, or if s is nil; nil otherwise.
func (s *Station) Validate() error {
	if s == nil {
		return Errorf(EINVALID, "No station given.")
	}
	pr := problems{}
	if s.ID == "" {
		pr.add("id", "required")
	}
	if s.Unit == "" {
		pr.add("unit", "required")
	}
	if strings.TrimSpace(s.Name) == "" {
		pr.add("name", "required")
	}
	if s.Hours != "" {
		if _, _, err := ParseHours(s.Hours); err != nil {
			pr.add("hours", "%v", err)
		}
	}
	return pr.err("The station")
}

// DayLayout is how a civil day is written: the schedule's days are days of
// the county's calendar (China time), not instants.
const DayLayout = "2006-01-02"

// Reception is one entry of the reception schedule (接访排班): a leader
// receives petitioners at a station on a day (信访工作条例 Art. 10: leaders
// receive in person, on a published schedule).
type Reception struct {
	ID        string    `json:"id"`
	Day       string    `json:"day"` // DayLayout, in China time
	Station   string    `json:"station"`
	LeaderID  string    `json:"leader_id"`
	Note      string    `json:"note,omitempty"` // e.g. the matters the leader takes (专题接访)
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate returns EINVALID with a message per bad field if r has no id,
// station or leader, or a day that is not a DayLayout date, or if r is nil.
func (r *Reception) Validate() error {
	if r == nil {
		return Errorf(EINVALID, "No reception given.")
	}
	pr := problems{}
	if r.ID == "" {
		pr.add("id", "required")
	}
	if _, err := time.Parse(DayLayout, r.Day); err != nil {
		pr.add("day", "must be a date written YYYY-MM-DD")
	}
	if r.Station == "" {
		pr.add("station", "required")
	}
	if r.LeaderID == "" {
		pr.add("leader_id", "required")
	}
	return pr.err("The reception")
}

// ReceptionFilter selects schedule entries. Zero fields match any entry;
// From and To are inclusive DayLayout days.
type ReceptionFilter struct {
	Station  string
	LeaderID string
	From, To string
}

// Matches reports whether r is selected by f: the in-memory twin of the
// query a store builds from f.
func (f ReceptionFilter) Matches(r *Reception) bool {
	return (f.Station == "" || r.Station == f.Station) &&
		(f.LeaderID == "" || r.LeaderID == f.LeaderID) &&
		(f.From == "" || r.Day >= f.From) && (f.To == "" || r.Day <= f.To)
}
