package petitions

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"time"
)

// Legal day counting (民法典 Arts. 200–204):
//
//   - A period of N days starts the day after the start day: the start day is
//     not counted, so the nominal last day is the start date plus N days.
//   - A period whose last day is a rest day ends on the next working day; that
//     is the adjusted last day. A rest day is a public holiday, or a Saturday or
//     Sunday that the year's arrangement does not make a make-up workday (调休).
//   - The period ends at 24:00 China time on its last day.
//
// Dates are civil dates in China: every time.Time given to these functions is an
// instant, read in ChinaTime to find its date, and every date returned is
// 00:00 of that date in ChinaTime. A value meant as a date must therefore be
// built in ChinaTime (or be any instant within that China day); midnight in a
// zone east of China, such as Tokyo's, is still the previous day in China.

// ChinaTime is the zone in which every legal date of the ledger is read: China
// Standard Time, UTC+8. China has observed no daylight saving time since 1991,
// so the fixed offset is exact and needs no time zone database on the host.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// calendarDateLayout is the only accepted spelling of a date in calendar data.
const calendarDateLayout = "2006-01-02"

// YearCalendar is one year's official arrangement of public holidays and
// make-up workdays, as published each autumn by the 国务院办公厅 for the next
// year. It is also the JSON format of the files under calendars/.
type YearCalendar struct {
	Year int `json:"year"`
	// Holidays are rest days, as YYYY-MM-DD. Weekend days inside a holiday
	// period may be listed; they are rest days anyway.
	Holidays []string `json:"holidays"`
	// Workdays are make-up workdays (调休上班): Saturdays or Sundays worked.
	Workdays []string `json:"workdays"`
	// Source cites the notice the dates come from; it is required.
	Source string `json:"source"`
}

// Validate checks y and returns nil or an EINVALID *Error whose Fields name
// each problem: a year outside 1–9999 ("year"), a missing source ("source"),
// no holidays ("holidays"), and per date ("holidays[3]", "workdays[0]") a date
// not spelled YYYY-MM-DD or not in y.Year, one listed twice or as both a
// holiday and a workday, or a workday that is not a Saturday or Sunday.
func (y YearCalendar) Validate() error {
	_, err := y.days()
	return err
}

// days validates y and returns its overrides: true for a workday, false for a
// rest day.
func (y YearCalendar) days() (map[civilDay]bool, error) {
	p := problems{}
	yearOK := y.Year >= 1 && y.Year <= 9999
	if !yearOK {
		p.add("year", "missing or out of range (1–9999)")
	}
	if y.Source == "" {
		p.add("source", "required: cite the notice the dates come from")
	}
	if len(y.Holidays) == 0 {
		p.add("holidays", "at least one holiday is required")
	}
	out := make(map[civilDay]bool, len(y.Holidays)+len(y.Workdays))
	lists := []struct {
		name    string
		dates   []string
		workday bool
	}{{"holidays", y.Holidays, false}, {"workdays", y.Workdays, true}}
	for _, list := range lists {
		for i, s := range list.dates {
			field := fmt.Sprintf("%s[%d]", list.name, i)
			t, err := time.ParseInLocation(calendarDateLayout, s, ChinaTime)
			switch {
			case err != nil:
				p.add(field, "%q is not a date in the form YYYY-MM-DD", s)
				continue
			case yearOK && t.Year() != y.Year:
				p.add(field, "%s is not in %d", s, y.Year)
				continue
			case list.workday && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday:
				p.add(field, "%s is a %s: a make-up workday must be a Saturday or Sunday", s, t.Weekday())
				continue
			}
			d := civilDayOf(t)
			if prev, dup := out[d]; dup {
				if prev == list.workday {
					p.add(field, "%s is listed twice", s)
				} else {
					p.add(field, "%s is also listed as a holiday", s)
				}
				continue
			}
			out[d] = list.workday
		}
	}
	if err := p.err(fmt.Sprintf("The holiday calendar for %d", y.Year)); err != nil {
		return nil, err
	}
	return out, nil
}

// Calendar tells working days from rest days. For each year it covers, it
// applies that year's official holidays and make-up workdays; for any other
// year it falls back to weekends only (Monday to Friday work), which is wrong
// around holidays, so callers check Covered or MissingYears and report the
// gap. A Calendar is immutable and safe for concurrent use; a nil or zero
// Calendar covers no year.
type Calendar struct {
	overrides map[civilDay]bool // true: workday, false: rest day
	years     map[int]YearCalendar
}

// NewCalendar returns a calendar covering the given years. It returns the
// error of the first year that fails Validate, or an EINVALID *Error if a
// year is given twice. With no years it counts weekends only.
func NewCalendar(years ...YearCalendar) (*Calendar, error) {
	c := &Calendar{overrides: make(map[civilDay]bool), years: make(map[int]YearCalendar, len(years))}
	for _, y := range years {
		if _, dup := c.years[y.Year]; dup {
			return nil, Errorf(EINVALID, "The holiday calendar for %d is given twice.", y.Year)
		}
		days, err := y.days()
		if err != nil {
			return nil, err
		}
		for d, work := range days {
			c.overrides[d] = work
		}
		y.Holidays = slices.Clone(y.Holidays)
		y.Workdays = slices.Clone(y.Workdays)
		c.years[y.Year] = y
	}
	return c, nil
}

// With returns a new calendar holding c's years and the given ones, a given
// year replacing c's arrangement for that year: this is how an operator adds
// next year's notice to DefaultCalendar. c is not changed.
func (c *Calendar) With(years ...YearCalendar) (*Calendar, error) {
	var all []YearCalendar
	for _, y := range c.Years() {
		if !slices.ContainsFunc(years, func(n YearCalendar) bool { return n.Year == y }) {
			all = append(all, c.years[y])
		}
	}
	return NewCalendar(append(all, years...)...)
}

// LoadCalendar reads calendar data in JSON: one YearCalendar object, or an
// array of them. Unknown fields and trailing data are rejected. Invalid data
// yields an EINVALID *Error (see Validate); a failing reader, its own error
// wrapped.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	years, err := readYears(r)
	if err != nil {
		return nil, err
	}
	return NewCalendar(years...)
}

func readYears(r io.Reader) ([]YearCalendar, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("petitions: read calendar: %w", err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, Errorf(EINVALID, "The holiday calendar is empty.")
	}
	var years []YearCalendar
	if data[0] == '[' {
		err = decodeStrict(data, &years)
	} else {
		years = make([]YearCalendar, 1)
		err = decodeStrict(data, &years[0])
	}
	if err != nil {
		return nil, Errorf(EINVALID, "The holiday calendar cannot be read: %v.", err)
	}
	if len(years) == 0 {
		return nil, Errorf(EINVALID, "The holiday calendar holds no year.")
	}
	return years, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

//go:embed calendars/*.json
var calendarFiles embed.FS

var defaultCalendar = sync.OnceValues(func() (*Calendar, error) {
	names, err := fs.Glob(calendarFiles, "calendars/*.json")
	if err != nil {
		return nil, err
	}
	var all []YearCalendar
	for _, name := range names {
		f, err := calendarFiles.Open(name)
		if err != nil {
			return nil, err
		}
		years, err := readYears(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("petitions: %s: %w", name, err)
		}
		for _, y := range years {
			if want := fmt.Sprintf("calendars/cn-%d.json", y.Year); name != want {
				return nil, fmt.Errorf("petitions: %s holds year %d, want it in %s", name, y.Year, want)
			}
		}
		all = append(all, years...)
	}
	return NewCalendar(all...)
})

// DefaultCalendar returns the calendar built into the binary from
// calendars/cn-YYYY.json: the official arrangements for 2025 and 2026. Other
// years count weekends only until an operator loads their notice (see With).
// It panics if the embedded data is invalid, which the package tests rule out.
func DefaultCalendar() *Calendar {
	c, err := defaultCalendar()
	if err != nil {
		panic(err)
	}
	return c
}

// Covered reports whether c holds the official arrangement for year.
func (c *Calendar) Covered(year int) bool {
	if c == nil {
		return false
	}
	_, ok := c.years[year]
	return ok
}

// Years returns the covered years in ascending order.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	years := make([]int, 0, len(c.years))
	for y := range c.years {
		years = append(years, y)
	}
	slices.Sort(years)
	return years
}

// Year returns the arrangement c holds for year, and whether it holds one.
func (c *Calendar) Year(year int) (YearCalendar, bool) {
	if c == nil {
		return YearCalendar{}, false
	}
	y, ok := c.years[year]
	y.Holidays = slices.Clone(y.Holidays)
	y.Workdays = slices.Clone(y.Workdays)
	return y, ok
}

// MissingYears returns, in ascending order, the years from the China date of
// from to that of to (inclusive) that c does not cover: a period computed
// over them counted weekends only. Call it with a period's start and adjusted
// last day. It returns nil when every year is covered or to is before from.
func (c *Calendar) MissingYears(from, to time.Time) []int {
	var missing []int
	for y := ChinaDate(from).Year(); y <= ChinaDate(to).Year(); y++ {
		if !c.Covered(y) {
			missing = append(missing, y)
		}
	}
	return missing
}

// IsWorkday reports whether the China date of t is a working day: a make-up
// workday, or a Monday to Friday that is not a holiday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.isWorkday(civilDayOf(t))
}

func (c *Calendar) isWorkday(d civilDay) bool {
	if c != nil {
		if work, ok := c.overrides[d]; ok {
			return work
		}
	}
	return !d.weekend()
}

// AddDays computes a period of days calendar days from start. The start day
// is not counted: nominal is the China date of start plus days. adjusted is
// nominal, or, if nominal is a rest day, the first working day after it.
// Both are 00:00 China time of their date; the period runs to the end of
// adjusted (see EndOfDay). days is normally positive; zero gives the start
// date, and a negative count goes back in time the same way. Years not
// covered count weekends only: check MissingYears(start, adjusted).
func (c *Calendar) AddDays(start time.Time, days int) (nominal, adjusted time.Time) {
	n := civilDayOf(start) + civilDay(days)
	a := n
	for !c.isWorkday(a) {
		a++
	}
	return n.time(), a.time()
}

// AddWorkdays returns, at 00:00 China time, the day on which a period of n
// working days from start ends: the start day is not counted, and only
// working days after it are (e.g. the 5 working days in which an organ that
// is not competent objects to an assignment, 信访工作条例 2022 Art. 23, article
// number unverified). The result is
// always a working day. n == 0 gives the first working day on or after the
// start date; n < 0 counts |n| working days back. Years not covered count
// weekends only.
func (c *Calendar) AddWorkdays(start time.Time, n int) time.Time {
	d := civilDayOf(start)
	if n == 0 {
		for !c.isWorkday(d) {
			d++
		}
		return d.time()
	}
	step := civilDay(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += step
		if c.isWorkday(d) {
			n--
		}
	}
	return d.time()
}

// ChinaDate returns 00:00 China time of the date t falls on in China.
func ChinaDate(t time.Time) time.Time {
	return civilDayOf(t).time()
}

// EndOfDay returns the instant the China date of t ends: 24:00 China time,
// which is 00:00 of the next day. A due date is met by anything before it.
func EndOfDay(t time.Time) time.Time {
	return (civilDayOf(t) + 1).time()
}

// Overdue reports whether now is past the due date: at or after the end of
// due's China date. due is an adjusted last day as returned by AddDays.
func Overdue(due, now time.Time) bool {
	return !now.Before(EndOfDay(due))
}

// DaysLeft returns the number of calendar days from the China date of now to
// that of due: 0 on the due day itself, 1 the day before, negative once
// overdue (-1 the day after). It counts calendar days, not working days.
func DaysLeft(due, now time.Time) int {
	return int(civilDayOf(due) - civilDayOf(now))
}

// civilDay is a civil date in China, as a count of days since 1970-01-01.
type civilDay int64

const civilDaySeconds = 24 * 60 * 60

// civilDayOf returns the date t falls on in China.
func civilDayOf(t time.Time) civilDay {
	y, m, d := t.In(ChinaTime).Date()
	return civilDay(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / civilDaySeconds)
}

// time returns 00:00 China time of d.
func (d civilDay) time() time.Time {
	y, m, dd := time.Unix(int64(d)*civilDaySeconds, 0).UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, ChinaTime)
}

func (d civilDay) weekend() bool {
	wd := d.time().Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
