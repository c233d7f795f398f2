package ledgerexport

import (
	"cmp"
	"iter"
	"slices"
	"time"

	"hearingroom/petitions"
)

// Monthly is the monthly analysis report of a county or one of its units:
// the content 信访条例 (2005) Art. 39 asks of a periodic report — volumes by
// channel and by domain, the most-complained units, transfers and 督办 with
// their adoption, the suggestions adopted — and the overdue cases. Counts
// are of cases (件), with people (人次) beside volumes. Each count says in
// its field comment which date puts a case in the month.
type Monthly struct {
	County    string    // the county's name
	Unit      string    // the unit reported on, by name ("" for the whole county)
	Month     time.Time // midnight starting the month's first day, China time
	AsOf      time.Time // when overdue is judged: the month's end, or now if sooner
	Generated time.Time

	Received   int // 件: received in the month
	People     int // 人次: their headcounts
	Collective int // 集体访: received with 5 or more people
	Accepted   int // accepted (受理) in the month
	Replied    int // answered (答复, or agreement effective) in the month
	Closed     int // closed (办结) in the month

	ByChannel  []Count // received, by channel and medium
	ByCategory []Count // received, by dispute type
	ByClass    []Count // received, by 2022 class; mediations as 人民调解
	TopUnits   []Count // received, by lead unit (责任单位), most first, at most TopN
	Outcomes   []Count // answered in the month, by result

	Transfers    Transfers
	Supervisions Supervisions
	Suggestions  Suggestions
	Satisfaction Satisfaction

	Overdue []OverdueCase // active and past their deadline at AsOf, the longest overdue first
}

// TopN is the length of the most-complained units list.
const TopN = 10

// Count is one line of a breakdown.
type Count struct {
	Name   string
	Cases  int
	People int
}

// Transfers counts the hand-overs (转送/交办) made in the month.
type Transfers struct {
	Forward  int // 转送
	Assign   int // 交办
	Objected int // receivers' objections upheld (回退) in the month
}

// Supervisions counts 督办 (Art. 36).
type Supervisions struct {
	Issued   int // issued in the month
	Answered int // feedback given in the month
	OnTime   int // of those, by the feedback's due day
	Adopted  int // of those, with the 改进建议 adopted
	Pending  int // issued by AsOf and without feedback at AsOf
}

// Suggestions counts 建议意见.
type Suggestions struct {
	Received int // received in the month
	Answered int // answered in the month
	Adopted  int // of those, supported (予以支持: adopted)
}

// Satisfaction counts the ratings given in the month (评单).
type Satisfaction struct {
	Rated, Satisfied, Basic, Unsatisfied int
}

// Rate returns (满意+基本满意) ÷ rated as a percentage, and false when
// nothing was rated.
func (s Satisfaction) Rate() (float64, bool) {
	if s.Rated == 0 {
		return 0, false
	}
	return 100 * float64(s.Satisfied+s.Basic) / float64(s.Rated), true
}

// OverdueCase is one line of the overdue list.
type OverdueCase struct {
	CaseNo   string
	Category string
	LeadUnit string
	Owner    string
	State    string
	Due      string
	DaysOver int // whole days past the due day at AsOf
}

// MonthOf returns the month starting at the first day of t's month, China
// time, and the instant it ends.
func MonthOf(t time.Time) (from, to time.Time) {
	t = t.In(china)
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, china)
	return from, from.AddDate(0, 1, 0)
}

// Tally counts the report of the month starting at month (see MonthOf)
// over entries, which should hold every case of the unit the reader may
// see, whenever received: transfers, 督办 and answers of the month concern
// older cases too. Each entry's Overdue should be judged at asOf.
func Tally(month, asOf time.Time, names Names, entries iter.Seq2[Entry, error]) (*Monthly, error) {
	from, to := MonthOf(month)
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	m := &Monthly{Month: from, AsOf: asOf}
	var (
		channels, categories, classes, units, outcomes = counter{}, counter{}, counter{}, counter{}, counter{}
	)
	for e, err := range entries {
		if err != nil {
			return nil, err
		}
		p := e.Case
		if in(p.ReceivedAt) {
			m.Received++
			m.People += p.Headcount
			if p.Headcount >= 5 {
				m.Collective++
			}
			channels.add(ChannelName(p.Channel, p.Medium), p.Headcount)
			categories.add(names.category(p.Category), p.Headcount)
			classes.add(ClassName(p), p.Headcount)
			if p.LeadUnit != "" {
				units.add(names.unit(p.LeadUnit), p.Headcount)
			} else {
				units.add("（未定责任单位）", p.Headcount)
			}
			if p.Class == petitions.ClassSuggestion {
				m.Suggestions.Received++
			}
		}
		if in(p.AcceptedAt) {
			m.Accepted++
		}
		if at := replied(p); in(at) {
			m.Replied++
			if r := Result(p); r != "" {
				outcomes.add(r, p.Headcount)
			}
			if p.Class == petitions.ClassSuggestion {
				m.Suggestions.Answered++
				if p.Reply != nil && p.Reply.Outcome == petitions.OutcomeSupport {
					m.Suggestions.Adopted++
				}
			}
		}
		if in(p.ClosedAt) {
			m.Closed++
		}
		for _, t := range p.Transfers {
			if in(t.At) {
				switch t.Type {
				case petitions.TransferAssign:
					m.Transfers.Assign++
				default:
					m.Transfers.Forward++
				}
			}
			if in(t.ObjectedAt) {
				m.Transfers.Objected++
			}
		}
		for _, s := range p.Supervisions {
			if in(s.IssuedAt) {
				m.Supervisions.Issued++
			}
			if in(s.FeedbackAt) {
				m.Supervisions.Answered++
				if s.Due.Adjusted.IsZero() || !s.Due.Passed(s.FeedbackAt) {
					m.Supervisions.OnTime++
				}
				if s.Adopted {
					m.Supervisions.Adopted++
				}
			}
			if !s.IssuedAt.After(asOf) && (s.FeedbackAt.IsZero() || s.FeedbackAt.After(asOf)) {
				m.Supervisions.Pending++
			}
		}
		for _, r := range p.Ratings {
			if !in(r.At) {
				continue
			}
			m.Satisfaction.Rated++
			switch r.Score {
			case petitions.ScoreSatisfied:
				m.Satisfaction.Satisfied++
			case petitions.ScoreBasicSatisfied:
				m.Satisfaction.Basic++
			case petitions.ScoreUnsatisfied:
				m.Satisfaction.Unsatisfied++
			}
		}
		if e.Overdue {
			m.Overdue = append(m.Overdue, OverdueCase{
				CaseNo: p.CaseNo, Category: names.category(p.Category), LeadUnit: names.unit(p.LeadUnit),
				Owner: names.person(p.Owner), State: StateName(p.State), Due: day(e.Due), DaysOver: daysOver(e.Due, asOf),
			})
		}
	}
	m.ByChannel, m.ByCategory, m.ByClass, m.Outcomes = channels.sorted(), categories.sorted(), classes.sorted(), outcomes.sorted()
	m.TopUnits = units.sorted()
	if len(m.TopUnits) > TopN {
		m.TopUnits = m.TopUnits[:TopN]
	}
	slices.SortStableFunc(m.Overdue, func(a, b OverdueCase) int {
		return cmp.Or(cmp.Compare(b.DaysOver, a.DaysOver), cmp.Compare(a.CaseNo, b.CaseNo))
	})
	return m, nil
}

// daysOver returns the whole days from the end of due's day to asOf.
func daysOver(due, asOf time.Time) int {
	if due.IsZero() {
		return 0
	}
	d := due.In(china)
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, china)
	if asOf.Before(end) {
		return 0
	}
	return int(asOf.Sub(end).Hours()/24) + 1
}

// counter counts cases and people by name.
type counter map[string]*Count

func (c counter) add(name string, people int) {
	x, ok := c[name]
	if !ok {
		x = &Count{Name: name}
		c[name] = x
	}
	x.Cases++
	x.People += people
}

// sorted returns the counts, most cases first, then by name.
func (c counter) sorted() []Count {
	out := make([]Count, 0, len(c))
	for _, x := range c {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Name, b.Name)) })
	return out
}
