// Package ledgerexport writes the petition ledger (信访台账) in the layouts a
// county office keeps: the ledger itself as an .xlsx workbook or a CSV file,
// one case a row under Chinese headers, and the monthly analysis report
// (信访条例 Art. 39) as a workbook or a printable page.
//
// It formats and counts; it decides nothing. The caller hands it the cases
// the reader may see, already redacted (petitions.Redacted): an export never
// carries a party's contact details. What a row needs beyond the case (the
// running deadline, whether it is overdue, the names of units and leaders)
// comes with each Entry and from Names.
package ledgerexport

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hearingroom/petitions"
)

// Columns are the ledger's headers, in order.
var Columns = []string{
	"序号", "案件编号", "登记日期", "来访方式", "信访人", "人数", "村(社区)", "乡镇", "问题类别", "信访类别",
	"反映问题摘要", "责任单位", "包案领导", "当前状态", "受理日期", "办理期限", "答复日期", "办理结果",
	"是否超期", "督办", "满意度",
}

// MaxSummary is the length, in characters, a row's summary is cut to.
const MaxSummary = 120

// Confidential is what stands in a confidential case's summary (信访条例
// Art. 23: 检举、揭发 material must not spread).
const Confidential = "保密"

// Entry is one case of the ledger as a reader may see it.
type Entry struct {
	// Case is the case, redacted for the reader (petitions.Redacted).
	Case *petitions.Petition
	// Due is the running deadline's adjusted day, zero when no deadline runs.
	Due time.Time
	// Overdue says the case is active and past Due.
	Overdue bool
}

// Names turns the ids a case holds into the names a ledger shows. Zero
// fields show the ids.
type Names struct {
	Tree       *petitions.UnitTree
	Categories []petitions.Category
	// Person returns a leader's name ("" when unknown).
	Person func(id string) string
}

// Row is one line of the ledger.
type Row struct {
	No         int
	CaseNo     string
	Registered string // 登记日期
	Channel    string
	Petitioner string // masked
	Headcount  int
	Village    string
	Township   string
	Category   string
	Class      string
	Summary    string
	LeadUnit   string
	Owner      string
	State      string
	Accepted   string
	Due        string
	Replied    string
	Result     string
	Overdue    string
	Supervised string
	Rating     string
}

// Strings returns the row's cells as text, in the order of Columns.
func (r Row) Strings() []string {
	return []string{strconv.Itoa(r.No), r.CaseNo, r.Registered, r.Channel, r.Petitioner, strconv.Itoa(r.Headcount),
		r.Village, r.Township, r.Category, r.Class, r.Summary, r.LeadUnit, r.Owner, r.State, r.Accepted, r.Due,
		r.Replied, r.Result, r.Overdue, r.Supervised, r.Rating}
}

// values returns the cells for a workbook: numbers as numbers.
func (r Row) values() []any {
	s := r.Strings()
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	out[0], out[5] = r.No, r.Headcount
	return out
}

// china is the county's time zone: dates are its days.
var china = time.FixedZone("CST", 8*3600)

// day returns t's day in China time, "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format(petitions.DayLayout)
}

// Row returns entry e as row number no.
func (n Names) Row(no int, e Entry) Row {
	p := e.Case
	village, township := n.place(p)
	registered := p.RegisteredAt
	if registered.IsZero() {
		registered = p.ReceivedAt
	}
	r := Row{
		No: no, CaseNo: p.CaseNo, Registered: day(registered), Channel: ChannelName(p.Channel, p.Medium),
		Petitioner: petitioners(p), Headcount: p.Headcount, Village: village, Township: township,
		Category: n.category(p.Category), Class: ClassName(p), Summary: Summary(p),
		LeadUnit: n.unit(p.LeadUnit), Owner: n.person(p.Owner), State: StateName(p.State),
		Accepted: day(p.AcceptedAt), Due: day(e.Due), Replied: day(replied(p)), Result: Result(p),
		Overdue: yesNo(e.Overdue), Supervised: supervised(p), Rating: rating(p),
	}
	return r
}

// Summary returns what a ledger says the case is about: 保密 for a
// confidential case, else its public summary, else its (redacted) request,
// cut to MaxSummary characters.
func Summary(p *petitions.Petition) string {
	if p.Confidential || p.Class == petitions.ClassAccusation {
		return Confidential
	}
	s := strings.TrimSpace(p.SummaryPublic)
	if s == "" {
		s = strings.TrimSpace(p.Request)
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > MaxSummary {
		rs := []rune(s)
		s = string(rs[:MaxSummary-1]) + "…"
	}
	return s
}

// petitioners returns the petitioners' (masked) names, 匿名 for an
// anonymous case, with 等 when there are more than two.
func petitioners(p *petitions.Petition) string {
	if p.Anonymous {
		return "匿名"
	}
	var names []string
	for _, pt := range p.Parties {
		if pt.Side == petitions.SidePetitioner && pt.Name != "" {
			names = append(names, pt.Name)
		}
	}
	if len(names) > 2 {
		return strings.Join(names[:2], "、") + "等"
	}
	return strings.Join(names, "、")
}

// place returns the names of the village and the township the case is
// from: its Village code, else its station's unit.
func (n Names) place(p *petitions.Petition) (village, township string) {
	id, ok := n.Tree.Resolve(p.Village)
	if !ok {
		if id, ok = n.Tree.StationUnit(p.StationID); !ok {
			return p.Village, ""
		}
	}
	u, _ := n.Tree.Unit(id)
	switch {
	case u == nil:
		return p.Village, ""
	case u.Level == petitions.UnitVillage:
		return u.Name, n.unit(u.ParentID)
	case u.Level == petitions.UnitTownship:
		return "", u.Name
	}
	return "", ""
}

func (n Names) unit(id string) string {
	if u, ok := n.Tree.Unit(id); ok {
		return u.Name
	}
	return id
}

func (n Names) category(code string) string {
	for _, c := range n.Categories {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

func (n Names) person(id string) string {
	if id == "" || n.Person == nil {
		return id
	}
	if name := n.Person(id); name != "" {
		return name
	}
	return id
}

// replied returns when the answer was served: the 处理意见书 of a
// petition, the agreement's effect or the end of a mediation.
func replied(p *petitions.Petition) time.Time {
	if !p.RepliedAt.IsZero() {
		return p.RepliedAt
	}
	if p.Reply != nil {
		return p.Reply.ServedAt
	}
	if m := p.Mediation; m != nil && m.Agreement != nil {
		return m.Agreement.EffectiveAt
	}
	return time.Time{}
}

// Result returns the 办理结果 of a case: the outcome of its last answer
// (支持/解释说明/不支持, of the 复查 or 复核 when there was one), the
// acceptance decision that ended it, or how its mediation ended; "" while
// nothing is decided.
func Result(p *petitions.Petition) string {
	for i := len(p.Reviews) - 1; i >= 0; i-- {
		rv := p.Reviews[i]
		if rv.Outcome == "" {
			continue
		}
		level := "复查"
		if rv.Level == petitions.LevelRecheck {
			level = "复核"
		}
		return name(outcomeNames, rv.Outcome) + "（" + level + "）"
	}
	if p.Reply != nil && p.Reply.Outcome != "" {
		s := name(outcomeNames, p.Reply.Outcome)
		if p.Settled {
			s += "（息诉罢访）"
		}
		return s
	}
	if d := p.Decision; d != nil {
		switch d.Result {
		case petitions.DecisionNotAccepted:
			return "不予受理"
		case petitions.DecisionDiverted:
			return "导入法定程序"
		}
	}
	switch p.State {
	case petitions.StateWithdrawn:
		return "撤回"
	case petitions.StateRefused:
		return "当事人拒绝调解"
	case petitions.StateFailed:
		return "调解不成"
	case petitions.StateTerminatedByParty:
		return "当事人终止调解"
	case petitions.StateBreached:
		return "调解成功（未履行）"
	case petitions.StatePerformed:
		return "调解成功（已履行）"
	}
	if MediationSucceeded(p) {
		return "调解成功"
	}
	return ""
}

// MediationSucceeded reports whether a mediation's agreement took effect.
func MediationSucceeded(p *petitions.Petition) bool {
	return p.Kind == petitions.KindMediation && p.Mediation != nil && p.Mediation.Agreement != nil &&
		!p.Mediation.Agreement.EffectiveAt.IsZero()
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// supervised returns 否, or 是 with the number of 督办 and whether one
// awaits feedback.
func supervised(p *petitions.Petition) string {
	if len(p.Supervisions) == 0 {
		return "否"
	}
	s := "是（" + strconv.Itoa(len(p.Supervisions)) + "次"
	if p.Supervised() {
		s += "，待反馈"
	}
	return s + "）"
}

// rating returns the last score a party gave the handling (or, for a
// mediation, the mediator); 未评价 when none.
func rating(p *petitions.Petition) string {
	for i := len(p.Ratings) - 1; i >= 0; i-- {
		if r := p.Ratings[i]; r.Score != "" {
			return name(scoreNames, r.Score)
		}
	}
	return "未评价"
}
