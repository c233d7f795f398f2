package ledgerexport

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
)

//go:embed monthly.css
var reportCSS string

//go:embed monthly.html
var reportHTML string

var reportPage = template.Must(template.New("monthly").Funcs(template.FuncMap{
	"table": func(head string, rows []Count) any {
		return struct {
			Head string
			Rows []Count
		}{head, rows}
	},
}).Parse(reportHTML))

// ReportCSP is the Content-Security-Policy the report page needs and no
// more: its one inline style sheet, by hash; no scripts, images or
// connections.
var ReportCSP = func() string {
	sum := sha256.Sum256([]byte(reportCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'"
}()

// WriteMonthlyHTML writes the report to w as one printable HTML page in
// Chinese, laid out for A4 paper: the headline figures, the breakdowns and
// the overdue list, with tables that repeat their headers across pages.
func WriteMonthlyHTML(w io.Writer, m *Monthly) error {
	return reportPage.Execute(w, struct {
		*Monthly
		CSS template.CSS
	}{m, template.CSS(reportCSS)})
}
