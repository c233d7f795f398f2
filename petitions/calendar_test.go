package petitions

import (
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// cn returns hh:mm on the given date in China time.
func cn(date string, hhmm ...int) time.Time {
	t, err := time.ParseInLocation("2006-01-02", date, ChinaTime)
	if err != nil {
		panic(err)
	}
	if len(hhmm) == 2 {
		t = t.Add(time.Duration(hhmm[0])*time.Hour + time.Duration(hhmm[1])*time.Minute)
	}
	return t
}

func fmtDate(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02 Mon") }

func TestCalendarDefaultData(t *testing.T) {
	c := DefaultCalendar()
	if got := c.Years(); len(got) != 2 || got[0] != 2025 || got[1] != 2026 {
		t.Fatalf("Years() = %v, want [2025 2026]", got)
	}
	for _, y := range []int{2024, 2027} {
		if c.Covered(y) {
			t.Errorf("Covered(%d) = true", y)
		}
	}
	// Counts from the notices: rest days in the holiday periods, make-up days.
	for _, tc := range []struct{ year, holidays, workdays int }{{2025, 28, 5}, {2026, 33, 6}} {
		y, ok := c.Year(tc.year)
		if !ok || !strings.Contains(y.Source, "国务院办公厅") {
			t.Fatalf("Year(%d) = %+v, %v", tc.year, y, ok)
		}
		if len(y.Holidays) != tc.holidays || len(y.Workdays) != tc.workdays {
			t.Errorf("%d: %d holidays, %d workdays; want %d, %d",
				tc.year, len(y.Holidays), len(y.Workdays), tc.holidays, tc.workdays)
		}
	}
	for date, want := range map[string]bool{
		"2025-01-01": false, "2025-01-26": true, "2025-01-27": true, "2025-01-28": false,
		"2025-02-04": false, "2025-02-05": true, "2025-02-08": true, "2025-04-27": true,
		"2025-05-05": false, "2025-06-02": false, "2025-09-28": true, "2025-10-08": false,
		"2025-10-09": true, "2025-10-11": true, "2025-10-12": false,
		"2026-01-02": false, "2026-01-04": true, "2026-02-14": true, "2026-02-15": false,
		"2026-02-23": false, "2026-02-24": true, "2026-02-28": true, "2026-04-06": false,
		"2026-05-09": true, "2026-06-19": false, "2026-09-20": true, "2026-09-25": false,
		"2026-10-07": false, "2026-10-08": true, "2026-10-10": true, "2026-10-11": false,
		"2026-03-07": false, "2026-03-09": true, // plain weekend and Monday
	} {
		if got := c.IsWorkday(cn(date)); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", date, got, want)
		}
	}
}

func TestCalendarAddDays(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name              string
		start             string
		days              int
		nominal, adjusted string
		missing           bool // a year of the period is not covered
	}{
		{"weekday to weekday", "2026-03-02", 15, "2026-03-17", "2026-03-17", false},
		{"ends Saturday", "2026-03-06", 15, "2026-03-21", "2026-03-23", false},
		{"ends Sunday", "2026-03-06", 16, "2026-03-22", "2026-03-23", false},
		{"ends Friday before weekend", "2026-03-05", 15, "2026-03-20", "2026-03-20", false},
		{"国庆 2026 first day", "2026-09-16", 15, "2026-10-01", "2026-10-08", false},
		{"国庆 2026 last day", "2026-09-22", 15, "2026-10-07", "2026-10-08", false},
		{"国庆中秋 2025", "2025-09-16", 15, "2025-10-01", "2025-10-09", false},
		{"中秋 2026 Sunday", "2026-09-12", 15, "2026-09-27", "2026-09-28", false},
		{"make-up Saturday ends it", "2026-01-28", 17, "2026-02-14", "2026-02-14", false},
		{"make-up Sunday ends it", "2025-01-11", 15, "2025-01-26", "2025-01-26", false},
		{"make-up Saturday 国庆 2026", "2026-09-25", 15, "2026-10-10", "2026-10-10", false},
		{"春节 2026", "2026-01-31", 15, "2026-02-15", "2026-02-24", false},
		{"春节 2025 eve", "2025-01-13", 15, "2025-01-28", "2025-02-05", false},
		{"year boundary onto 元旦", "2025-12-17", 15, "2026-01-01", "2026-01-04", false},
		{"year boundary 60 days", "2025-11-02", 60, "2026-01-01", "2026-01-04", false},
		{"30 days from a holiday", "2026-04-05", 30, "2026-05-05", "2026-05-06", false},
		{"60 days onto 端午", "2026-04-20", 60, "2026-06-19", "2026-06-22", false},
		{"30-day extension", "2026-06-22", 30, "2026-07-22", "2026-07-22", false},
		{"start on a holiday", "2026-10-03", 15, "2026-10-18", "2026-10-19", false},
		{"zero days on a workday", "2026-03-02", 0, "2026-03-02", "2026-03-02", false},
		{"zero days on a holiday", "2026-10-03", 0, "2026-10-03", "2026-10-08", false},
		{"leap day 2028", "2028-02-14", 15, "2028-02-29", "2028-02-29", true},
		{"across leap day 2028", "2028-02-20", 15, "2028-03-06", "2028-03-06", true},
		{"no leap day 2027", "2027-02-14", 15, "2027-03-01", "2027-03-01", true},
		{"uncovered 2027 counts weekends only", "2026-12-17", 15, "2027-01-01", "2027-01-01", true},
		{"uncovered 2024 to covered 2025", "2024-12-27", 15, "2025-01-11", "2025-01-13", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nominal, adjusted := c.AddDays(cn(tc.start, 10, 0), tc.days)
			if got := nominal.Format("2006-01-02"); got != tc.nominal {
				t.Errorf("nominal = %s, want %s", fmtDate(nominal), tc.nominal)
			}
			if got := adjusted.Format("2006-01-02"); got != tc.adjusted {
				t.Errorf("adjusted = %s, want %s", fmtDate(adjusted), tc.adjusted)
			}
			for _, r := range []time.Time{nominal, adjusted} {
				if r.Location() != ChinaTime || r.Hour() != 0 || r.Minute() != 0 || r.Nanosecond() != 0 {
					t.Errorf("%v is not 00:00 China time", r)
				}
			}
			if got := len(c.MissingYears(cn(tc.start), adjusted)) > 0; got != tc.missing {
				t.Errorf("MissingYears reports a gap: %v, want %v", got, tc.missing)
			}
		})
	}
}

func TestCalendarTimeZone(t *testing.T) {
	c := DefaultCalendar()
	// 23:30 and 00:30 China time are 15:30 and 16:30 UTC the day before.
	late := time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC)  // 2026-03-01 23:30 CST
	early := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC) // 2026-03-02 00:30 CST
	if n, _ := c.AddDays(late, 15); !n.Equal(cn("2026-03-16")) {
		t.Errorf("from 23:30: nominal %s, want 2026-03-16", fmtDate(n))
	}
	if n, _ := c.AddDays(early, 15); !n.Equal(cn("2026-03-17")) {
		t.Errorf("from 00:30: nominal %s, want 2026-03-17", fmtDate(n))
	}
	// 2026-02-14 is a make-up Saturday, 2026-02-15 starts 春节.
	if !c.IsWorkday(cn("2026-02-14", 23, 30)) || c.IsWorkday(cn("2026-02-15", 0, 30)) {
		t.Error("IsWorkday misreads the hour around midnight China time")
	}
	if got := ChinaDate(time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC)); !got.Equal(cn("2026-02-15")) {
		t.Errorf("ChinaDate = %v", got)
	}
	if got := EndOfDay(cn("2026-10-08", 23, 30)); !got.Equal(time.Date(2026, 10, 8, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("EndOfDay = %v, want 2026-10-08T16:00Z", got)
	}
}

func TestCalendarOverdue(t *testing.T) {
	due := cn("2026-10-08")
	tests := []struct {
		now     time.Time
		overdue bool
		left    int
	}{
		{cn("2026-10-01", 9, 0), false, 7},
		{cn("2026-10-07", 23, 30), false, 1},
		{cn("2026-10-08", 0, 0), false, 0},
		{cn("2026-10-08").Add(24*time.Hour - time.Nanosecond), false, 0},
		{time.Date(2026, 10, 8, 15, 59, 59, 0, time.UTC), false, 0},
		{time.Date(2026, 10, 8, 16, 0, 0, 0, time.UTC), true, -1},
		{cn("2026-10-09", 0, 30), true, -1},
		{cn("2026-11-08"), true, -31},
	}
	for _, tc := range tests {
		if got := Overdue(due, tc.now); got != tc.overdue {
			t.Errorf("Overdue(%s, %v) = %v", fmtDate(due), tc.now, got)
		}
		if got := DaysLeft(due, tc.now); got != tc.left {
			t.Errorf("DaysLeft(%s, %v) = %d, want %d", fmtDate(due), tc.now, got, tc.left)
		}
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		start string
		n     int
		want  string
	}{
		{"2026-03-02", 5, "2026-03-09"},  // Mon → next Mon
		{"2026-03-06", 1, "2026-03-09"},  // Fri → Mon
		{"2026-09-29", 5, "2026-10-12"},  // 9-30, 10-08, 10-09, 10-10 (make-up), 10-12
		{"2026-02-12", 3, "2026-02-24"},  // 2-13, 2-14 (make-up), 2-24
		{"2026-10-03", 5, "2026-10-13"},  // 10-08, 10-09, 10-10, 10-12, 10-13
		{"2025-12-30", 3, "2026-01-05"},  // 12-31, 1-04 (make-up Sunday), 1-05
		{"2026-10-03", 0, "2026-10-08"},  // zero: first workday on or after
		{"2026-03-02", 0, "2026-03-02"},  //
		{"2026-10-08", -1, "2026-09-30"}, // backwards over 国庆
		{"2026-02-24", -2, "2026-02-13"}, // 2-14, 2-13
	}
	for _, tc := range tests {
		got := c.AddWorkdays(cn(tc.start, 18, 0), tc.n)
		if !got.Equal(cn(tc.want)) {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.start, tc.n, fmtDate(got), tc.want)
		}
	}
}

func TestCalendarLoad(t *testing.T) {
	c, err := LoadCalendar(strings.NewReader(`[
	 {"year": 2030, "holidays": ["2030-01-01"], "source": "test"},
	 {"year": 2031, "holidays": ["2031-01-01"], "workdays": ["2031-01-04"], "source": "test"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covered(2030) || !c.Covered(2031) || c.Covered(2026) {
		t.Errorf("Years() = %v", c.Years())
	}
	if c.IsWorkday(cn("2030-01-01")) || !c.IsWorkday(cn("2031-01-04")) {
		t.Error("loaded dates not applied")
	}

	// With replaces a year and keeps the rest.
	d, err := DefaultCalendar().With(YearCalendar{Year: 2026, Holidays: []string{"2026-03-02"}, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Covered(2025) || d.IsWorkday(cn("2026-03-02")) || !d.IsWorkday(cn("2026-10-08")) || d.IsWorkday(cn("2026-10-10")) {
		t.Error("With did not replace 2026")
	}
	if !DefaultCalendar().IsWorkday(cn("2026-03-02")) {
		t.Error("With changed the default calendar")
	}
	if _, err := DefaultCalendar().With(YearCalendar{Year: 2027, Source: "x"}); ErrorCode(err) != EINVALID {
		t.Errorf("With invalid year: %v", err)
	}
	if _, err := NewCalendar(YearCalendar{Year: 2030, Holidays: []string{"2030-01-01"}, Source: "a"},
		YearCalendar{Year: 2030, Holidays: []string{"2030-01-01"}, Source: "b"}); ErrorCode(err) != EINVALID {
		t.Errorf("NewCalendar with a year twice: %v", err)
	}
}

func TestCalendarLoadErrors(t *testing.T) {
	tests := []struct {
		name, json string
		field      string // the field named in Fields, or "" for the message
		want       string // a substring of the error
	}{
		{"empty", "  \n", "", "empty"},
		{"not JSON", `{"year": 2026,`, "", "cannot be read"},
		{"unknown field", `{"year": 2026, "holiday": ["2026-01-01"], "source": "s"}`, "", `unknown field "holiday"`},
		{"trailing data", `{"year": 2026, "holidays": ["2026-01-01"], "source": "s"} {}`, "", "after the JSON value"},
		{"empty array", `[]`, "", "no year"},
		{"year as string", `{"year": "2026", "holidays": ["2026-01-01"], "source": "s"}`, "", "cannot be read"},
		{"missing year", `{"holidays": ["2026-01-01"], "source": "s"}`, "year", "out of range"},
		{"missing source", `{"year": 2026, "holidays": ["2026-01-01"]}`, "source", "cite the notice"},
		{"no holidays", `{"year": 2026, "workdays": ["2026-02-14"], "source": "s"}`, "holidays", "at least one"},
		{"no such day", `{"year": 2026, "holidays": ["2026-01-01", "2026-02-30"], "source": "s"}`, "holidays[1]", "not a date"},
		{"short form", `{"year": 2026, "holidays": ["2026-1-1"], "source": "s"}`, "holidays[0]", "YYYY-MM-DD"},
		{"with a time", `{"year": 2026, "holidays": ["2026-01-01T00:00:00+08:00"], "source": "s"}`, "holidays[0]", "not a date"},
		{"wrong year", `{"year": 2026, "holidays": ["2025-10-01"], "source": "s"}`, "holidays[0]", "not in 2026"},
		{"wrong year workday", `{"year": 2026, "holidays": ["2026-01-01"], "workdays": ["2027-01-02"], "source": "s"}`, "workdays[0]", "not in 2026"},
		{"holiday and workday", `{"year": 2026, "holidays": ["2026-02-14"], "workdays": ["2026-02-14"], "source": "s"}`, "workdays[0]", "also listed as a holiday"},
		{"listed twice", `{"year": 2026, "holidays": ["2026-01-01", "2026-01-01"], "source": "s"}`, "holidays[1]", "listed twice"},
		{"workday on a weekday", `{"year": 2026, "holidays": ["2026-01-01"], "workdays": ["2026-02-13"], "source": "s"}`, "workdays[0]", "Friday"},
		{"year twice", `[{"year": 2026, "holidays": ["2026-01-01"], "source": "s"}, {"year": 2026, "holidays": ["2026-01-01"], "source": "s"}]`, "", "given twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCalendar(strings.NewReader(tc.json))
			if err == nil {
				t.Fatalf("loaded %v", c.Years())
			}
			if ErrorCode(err) != EINVALID {
				t.Errorf("code %q, want %q: %v", ErrorCode(err), EINVALID, err)
			}
			got := ErrorMessage(err)
			if tc.field != "" {
				got = ErrorFields(err)[tc.field]
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("error %q: want %q in field %q (\"\" = message)", err, tc.want, tc.field)
			}
		})
	}
	if _, err := LoadCalendar(iotest.ErrReader(iotest.ErrTimeout)); err == nil || ErrorCode(err) != EINTERNAL {
		t.Errorf("failing reader: %v", err)
	}
}

// checkAddDays checks the invariants of AddDays for one start and length.
func checkAddDays(t *testing.T, c *Calendar, start time.Time, days int) {
	t.Helper()
	nominal, adjusted := c.AddDays(start, days)
	if want := ChinaDate(start).AddDate(0, 0, days); !nominal.Equal(want) {
		t.Fatalf("AddDays(%v, %d): nominal %s, want %s", start, days, fmtDate(nominal), fmtDate(want))
	}
	if adjusted.Before(nominal) {
		t.Fatalf("AddDays(%v, %d): adjusted %s before nominal %s", start, days, fmtDate(adjusted), fmtDate(nominal))
	}
	if !c.IsWorkday(adjusted) {
		t.Fatalf("AddDays(%v, %d): adjusted %s is a rest day", start, days, fmtDate(adjusted))
	}
	if gap := DaysLeft(adjusted, nominal); gap >= 10 {
		t.Fatalf("AddDays(%v, %d): adjusted %s is %d days after nominal", start, days, fmtDate(adjusted), gap)
	}
	for d := nominal; d.Before(adjusted); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			t.Fatalf("AddDays(%v, %d): skipped workday %s", start, days, fmtDate(d))
		}
	}
}

func TestCalendarProperties(t *testing.T) {
	c := DefaultCalendar()
	for start := cn("2024-10-01", 23, 59); start.Before(cn("2027-03-01")); start = start.AddDate(0, 0, 1) {
		for _, days := range []int{0, 1, 2, 3, 5, 7, 10, 15, 30, 45, 60, 90} {
			checkAddDays(t, c, start, days)
		}
		if w := c.AddWorkdays(start, 5); !c.IsWorkday(w) || !w.After(start) {
			t.Fatalf("AddWorkdays(%v, 5) = %s", start, fmtDate(w))
		}
	}
}

func FuzzCalendarAddDays(f *testing.F) {
	f.Add(cn("2026-09-16").Unix(), uint16(15))
	f.Add(cn("2026-01-31", 23, 30).Unix(), uint16(15))
	f.Add(cn("2025-11-02").Unix(), uint16(60))
	f.Add(cn("2026-02-14").Unix(), uint16(0))
	c := DefaultCalendar()
	lo, hi := cn("2000-01-01").Unix(), cn("2100-01-01").Unix()
	f.Fuzz(func(t *testing.T, unix int64, days uint16) {
		if unix < lo || unix >= hi {
			unix = lo + (unix%(hi-lo)+(hi-lo))%(hi-lo)
		}
		checkAddDays(t, c, time.Unix(unix, 0), int(days%1000))
	})
}
