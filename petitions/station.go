package petitions

import (
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
}

// Validate returns EINVALID with a message per bad field if s has no id,
// unit or name, or if s is nil; nil otherwise.
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
