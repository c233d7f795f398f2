package ledgerexport_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hearingroom/petitions"
	"hearingroom/petitions/ledgerexport"
)

var china = time.FixedZone("CST", 8*3600)

func at(day string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day, china)
	if err != nil {
		panic(err)
	}
	return t
}

// names knows a county with one township, one village and one department,
// and one leader.
func names() ledgerexport.Names {
	tree := petitions.NewUnitTree([]*petitions.Unit{
		{ID: "c", Name: "富裕县", Level: petitions.UnitCounty},
		{ID: "t1", Name: "富裕镇", Level: petitions.UnitTownship, ParentID: "c", Code: "230227100"},
		{ID: "v1", Name: "东升村", Level: petitions.UnitVillage, ParentID: "t1", Code: "230227100201"},
		{ID: "d1", Name: "县人力资源和社会保障局", Level: petitions.UnitDepartment, ParentID: "c"},
	})
	return ledgerexport.Names{Tree: tree, Categories: petitions.DefaultCategories(), Person: func(id string) string {
		return map[string]string{"leader.1": "李建国"}[id]
	}}
}

// cases returns a claim answered in November, a confidential accusation
// and an anonymous suggestion whose summary looks like a formula; each as
// an export shows it, redacted.
func cases() []ledgerexport.Entry {
	claim := &petitions.Petition{
		CaseNo: "230227-2026-000101", Kind: petitions.KindPetition, Class: petitions.ClassClaim, Category: "wage_arrears",
		Channel: petitions.ChannelVisit, Medium: petitions.MediumVideo, Village: "230227100201", LeadUnit: "t1", Owner: "leader.1",
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "王秀英",
			Contact: petitions.Contact{Phone: "13800001234", Address: "富裕镇东升村3组"}}},
		Headcount: 1, Request: "王秀英讨要拖欠工资12000元，电话13800001234",
		State: petitions.StateClosed, ReceivedAt: at("2026-11-02 09:00"), RegisteredAt: at("2026-11-02 09:30"),
		AcceptedAt: at("2026-11-03 10:00"), RepliedAt: at("2026-11-20 15:00"), ClosedAt: at("2026-11-25 10:00"),
		Reply:        &petitions.Reply{Outcome: petitions.OutcomeSupport, ServedAt: at("2026-11-20 15:00")},
		Supervisions: []petitions.Supervision{{By: "d", IssuedAt: at("2026-11-10 10:00"), FeedbackAt: at("2026-11-12 10:00"), Adopted: true}},
		Ratings:      []petitions.Rating{{PartyID: "p1", Target: "handling", Score: petitions.ScoreSatisfied, At: at("2026-11-26 10:00")}},
		Transfers:    []petitions.Transfer{{From: "c", To: "t1", Type: petitions.TransferAssign, At: at("2026-11-02 11:00")}},
	}
	accusation := &petitions.Petition{
		CaseNo: "230227-2026-000102", Kind: petitions.KindPetition, Class: petitions.ClassAccusation, Category: "other",
		Channel: petitions.ChannelLetter, Village: "230227100201", LeadUnit: "d1",
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "赵大海"},
			{ID: "r1", Side: petitions.SideRespondent, Name: "东升村村委会", Organisation: true}},
		Request: "举报村干部虚报冒领补贴", SummaryPublic: "举报村干部虚报冒领补贴",
		State: petitions.StateInProgress, ReceivedAt: at("2026-11-05 09:00"), AcceptedAt: at("2026-11-06 09:00"),
	}
	accusation.Normalize()
	suggestion := &petitions.Petition{
		CaseNo: "230227-2026-000103", Kind: petitions.KindPetition, Class: petitions.ClassSuggestion, Category: "other",
		Channel: petitions.ChannelOnline, Anonymous: true, Village: "230227100201", LeadUnit: "t1",
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "钱多多"}}, Headcount: 6,
		Request: "建议村口装路灯", SummaryPublic: "=1+1 建议村口装路灯",
		State: petitions.StateInProgress, ReceivedAt: at("2026-10-28 09:00"), AcceptedAt: at("2026-10-29 09:00"),
	}
	return []ledgerexport.Entry{
		{Case: petitions.Redacted(claim), Due: at("2027-01-02 00:00")},
		{Case: petitions.Redacted(accusation), Due: at("2026-11-20 00:00"), Overdue: true},
		{Case: petitions.Redacted(suggestion), Due: at("2026-12-28 00:00")},
	}
}

func seq(es []ledgerexport.Entry) iter.Seq2[ledgerexport.Entry, error] {
	return func(yield func(ledgerexport.Entry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// wantClaim is the claim's row.
var wantClaim = []string{"1", "230227-2026-000101", "2026-11-02", "走访（视频）", "王**", "1", "东升村", "富裕镇", "拖欠工资",
	"申诉求决", "***讨要拖欠工资12000元，电话***********", "富裕镇", "李建国", "办结", "2026-11-03", "2027-01-02",
	"2026-11-20", "支持", "否", "是（1次）", "满意"}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	n, err := ledgerexport.WriteXLSX(&buf, names(), seq(cases()))
	if err != nil || n != 3 {
		t.Fatalf("WriteXLSX = %d, %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{ledgerexport.LedgerSheet}) {
		t.Errorf("sheets %v", got)
	}
	rows, err := f.GetRows(ledgerexport.LedgerSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want a header and 3", len(rows))
	}
	if !slices.Equal(rows[0], ledgerexport.Columns) {
		t.Errorf("headers %q", rows[0])
	}
	if !slices.Equal(rows[1], wantClaim) {
		t.Errorf("claim row\n got %q\nwant %q", rows[1], wantClaim)
	}
	acc := rows[2]
	if acc[10] != ledgerexport.Confidential || acc[9] != "检举控告" || acc[18] != "是" {
		t.Errorf("accusation row %q", acc)
	}
	if sug := rows[3]; sug[4] != "匿名" || sug[5] != "6" || sug[10] != "=1+1 建议村口装路灯" {
		t.Errorf("anonymous suggestion row %q", sug)
	}
	// Numbers are numbers and text stays text: nothing became a formula.
	if typ, _ := f.GetCellType(ledgerexport.LedgerSheet, "F2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("人数 is of type %v", typ)
	}
	if fm, _ := f.GetCellFormula(ledgerexport.LedgerSheet, "K4"); fm != "" {
		t.Errorf("a summary became the formula %q", fm)
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	n, err := ledgerexport.WriteCSV(&buf, names(), seq(cases()))
	if err != nil || n != 3 {
		t.Fatalf("WriteCSV = %d, %v", n, err)
	}
	raw := buf.String()
	body, ok := strings.CutPrefix(raw, "\ufeff")
	if !ok {
		t.Fatal("no byte-order mark")
	}
	for _, secret := range []string{"13800001234", "王秀英", "赵大海", "钱多多", "虚报冒领", "3组"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the CSV holds %q", secret)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !slices.Equal(rows[0], ledgerexport.Columns) || !slices.Equal(rows[1], wantClaim) {
		t.Fatalf("rows %q", rows)
	}
	if rows[2][10] != "保密" || rows[2][4] != "赵**" {
		t.Errorf("confidential row %q", rows[2])
	}
	if rows[3][10] != "'=1+1 建议村口装路灯" {
		t.Errorf("a formula-like cell is %q", rows[3][10])
	}
}

func TestWriteStopsOnError(t *testing.T) {
	boom := errors.New("store failed")
	es := func(yield func(ledgerexport.Entry, error) bool) {
		if yield(cases()[0], nil) {
			yield(ledgerexport.Entry{}, boom)
		}
	}
	if n, err := ledgerexport.WriteCSV(&bytes.Buffer{}, names(), es); !errors.Is(err, boom) || n != 1 {
		t.Errorf("WriteCSV = %d, %v", n, err)
	}
	if n, err := ledgerexport.WriteXLSX(&bytes.Buffer{}, names(), es); !errors.Is(err, boom) || n != 1 {
		t.Errorf("WriteXLSX = %d, %v", n, err)
	}
}

func TestMonthly(t *testing.T) {
	asOf := at("2026-11-27 12:00")
	m, err := ledgerexport.Tally(at("2026-11-15 00:00"), asOf, names(), seq(cases()))
	if err != nil {
		t.Fatal(err)
	}
	m.County = "富裕县"
	if m.Received != 2 || m.People != 2 || m.Accepted != 2 || m.Replied != 1 || m.Closed != 1 {
		t.Errorf("volumes: received %d, people %d, accepted %d, replied %d, closed %d", m.Received, m.People, m.Accepted, m.Replied, m.Closed)
	}
	if m.Transfers.Assign != 1 || m.Supervisions.Issued != 1 || m.Supervisions.Adopted != 1 || m.Satisfaction.Satisfied != 1 {
		t.Errorf("transfers %+v, supervisions %+v, satisfaction %+v", m.Transfers, m.Supervisions, m.Satisfaction)
	}
	if len(m.Overdue) != 1 || m.Overdue[0].CaseNo != "230227-2026-000102" || m.Overdue[0].DaysOver != 7 {
		t.Errorf("overdue %+v", m.Overdue)
	}
	if len(m.TopUnits) != 2 || m.ByChannel[0].Cases != 1 {
		t.Errorf("units %+v, channels %+v", m.TopUnits, m.ByChannel)
	}
	if m.Title() != "富裕县2026年11月信访工作分析报告" {
		t.Errorf("title %q", m.Title())
	}

	var page bytes.Buffer
	if err := ledgerexport.WriteMonthlyHTML(&page, m); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"<title>富裕县2026年11月信访工作分析报告</title>", "size: A4", "230227-2026-000102", "县人力资源和社会保障局", "走访（视频）"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	css := html[strings.Index(html, "<style>")+len("<style>") : strings.Index(html, "</style>")]
	sum := sha256.Sum256([]byte(css))
	if !strings.Contains(ledgerexport.ReportCSP, base64.StdEncoding.EncodeToString(sum[:])) {
		t.Error("ReportCSP does not allow the page's style sheet")
	}

	var book bytes.Buffer
	if err := ledgerexport.WriteMonthlyXLSX(&book, m); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{ledgerexport.SheetSummary, ledgerexport.SheetChannels, ledgerexport.SheetDomains, ledgerexport.SheetUnits,
		ledgerexport.SheetOutcomes, ledgerexport.SheetOverdue}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets %v, want %v", got, want)
	}
	rows, _ := f.GetRows(ledgerexport.SheetOverdue)
	if len(rows) != 4 || rows[3][0] != "230227-2026-000102" || rows[3][6] != "7" {
		t.Errorf("overdue sheet %q", rows)
	}
}
