package ledgerexport

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Title returns the report's title: 富裕县富裕镇2026年11月信访工作分析报告.
func (m *Monthly) Title() string {
	who := m.County
	if m.Unit != "" && m.Unit != m.County {
		who += m.Unit
	}
	return fmt.Sprintf("%s%d年%d月信访工作分析报告", who, m.Month.Year(), int(m.Month.Month()))
}

// Summary returns the report's headline figures as label and value, in
// the order the report shows them.
func (m *Monthly) Summary() [][2]string {
	rate := "—"
	if r, ok := m.Satisfaction.Rate(); ok {
		rate = strconv.FormatFloat(r, 'f', 1, 64) + "%"
	}
	n := strconv.Itoa
	return [][2]string{
		{"统计月份", fmt.Sprintf("%d年%d月", m.Month.Year(), int(m.Month.Month()))},
		{"统计范围", cmpOr(m.Unit, m.County)},
		{"超期判定时点", m.AsOf.In(china).Format("2006-01-02 15:04")},
		{"本月登记（件）", n(m.Received)},
		{"本月登记（人次）", n(m.People)},
		{"其中集体访（5人以上，件）", n(m.Collective)},
		{"本月受理（件）", n(m.Accepted)},
		{"本月答复（件）", n(m.Replied)},
		{"本月办结（件）", n(m.Closed)},
		{"转送（件次）", n(m.Transfers.Forward)},
		{"交办（件次）", n(m.Transfers.Assign)},
		{"回退（异议成立，件次）", n(m.Transfers.Objected)},
		{"督办下发（件次）", n(m.Supervisions.Issued)},
		{"督办反馈（件次）", n(m.Supervisions.Answered)},
		{"其中按期反馈", n(m.Supervisions.OnTime)},
		{"其中改进建议被采纳", n(m.Supervisions.Adopted)},
		{"督办待反馈（件次）", n(m.Supervisions.Pending)},
		{"建议意见登记（件）", n(m.Suggestions.Received)},
		{"建议意见答复（件）", n(m.Suggestions.Answered)},
		{"其中予以采纳（支持）", n(m.Suggestions.Adopted)},
		{"评价（次）", n(m.Satisfaction.Rated)},
		{"满意 / 基本满意 / 不满意", fmt.Sprintf("%d / %d / %d", m.Satisfaction.Satisfied, m.Satisfaction.Basic, m.Satisfaction.Unsatisfied)},
		{"满意率（满意+基本满意）÷ 评价", rate},
		{"超期案件（件）", n(len(m.Overdue))},
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Report sheet names, in order.
const (
	SheetSummary   = "概况"
	SheetChannels  = "来访方式"
	SheetDomains   = "问题类别"
	SheetUnits     = "责任单位"
	SheetOutcomes  = "办理结果"
	SheetOverdue   = "超期案件"
	sheetFirstName = "Sheet1"
)

// WriteMonthlyXLSX writes the report to w as a workbook of several sheets:
// the headline figures (SheetSummary), volumes by channel (SheetChannels),
// by category and by class (SheetDomains), the most-complained units
// (SheetUnits), the answers by result (SheetOutcomes) and the overdue
// cases (SheetOverdue).
func WriteMonthlyXLSX(w io.Writer, m *Monthly) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Border: thinBorder()})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	sheets := []struct {
		name   string
		header []string
		rows   [][]any
		widths []float64
	}{
		{SheetSummary, []string{"项目", "数值"}, pairs(m.Summary()), []float64{34, 24}},
		{SheetChannels, []string{"来访方式", "件", "人次"}, counts(m.ByChannel), []float64{20, 8, 8}},
		{SheetDomains, []string{"问题类别 / 信访类别", "件", "人次"}, append(counts(m.ByCategory), append([][]any{{}}, counts(m.ByClass)...)...), []float64{24, 8, 8}},
		{SheetUnits, []string{"责任单位", "件", "人次"}, counts(m.TopUnits), []float64{34, 8, 8}},
		{SheetOutcomes, []string{"办理结果", "件", "人次"}, counts(m.Outcomes), []float64{24, 8, 8}},
		{SheetOverdue, []string{"案件编号", "问题类别", "责任单位", "包案领导", "当前状态", "办理期限", "超期天数"}, overdueRows(m.Overdue),
			[]float64{20, 12, 30, 10, 12, 12, 10}},
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName(sheetFirstName, sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		if err := f.SetCellValue(sh.name, "A1", m.Title()); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh.name, "A1", "A1", title); err != nil {
			return err
		}
		if err := f.SetSheetRow(sh.name, "A3", &sh.header); err != nil {
			return err
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.header), 3)
		if err := f.SetCellStyle(sh.name, "A3", last, bold); err != nil {
			return err
		}
		for j, row := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, 4+j)
			if err := f.SetSheetRow(sh.name, cell, &row); err != nil {
				return err
			}
		}
		for j, wd := range sh.widths {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(sh.name, col, col, wd); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func pairs(ps [][2]string) [][]any {
	out := make([][]any, len(ps))
	for i, p := range ps {
		out[i] = []any{p[0], p[1]}
	}
	return out
}

func counts(cs []Count) [][]any {
	out := make([][]any, len(cs))
	for i, c := range cs {
		out[i] = []any{c.Name, c.Cases, c.People}
	}
	return out
}

func overdueRows(os []OverdueCase) [][]any {
	out := make([][]any, len(os))
	for i, o := range os {
		out[i] = []any{o.CaseNo, o.Category, o.LeadUnit, o.Owner, o.State, o.Due, o.DaysOver}
	}
	return out
}
