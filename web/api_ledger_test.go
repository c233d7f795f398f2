package web

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hearingroom/petitions"
	"hearingroom/petitions/ledgerexport"
)

func TestAPILedgerExport(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.anonymous().do("GET", "/api/v1/ledger.csv", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d %s", r.Status, r.Raw)
	}
	for _, role := range []petitions.Role{petitions.RoleAdministrator, petitions.RoleTownship} {
		if r := e.asRole(role).do("GET", "/api/v1/ledger.xlsx", nil); r.Status != http.StatusForbidden || str(r.Body, "code") != petitions.EFORBIDDEN {
			t.Errorf("%s: %d %s", role, r.Status, r.Raw)
		}
	}
	dispatcher := e.asRole(petitions.RoleDispatcher)

	q := url.Values{"from": {"2026-01-01"}, "to": {"2026-10-31"}, "unit": {"富裕镇"}}
	r := dispatcher.do("GET", "/api/v1/ledger.csv?"+q.Encode(), nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %s %.200s", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	cd := r.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="ledger_2026-01-01_2026-10-31.csv"; filename*=UTF-8''%E4%BF%A1`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if _, params, err := mime.ParseMediaType(cd); err != nil || params["filename"] != "信访台账_富裕镇_2026-01-01至2026-10-31.csv" {
		t.Errorf("Content-Disposition %q parses to %v, %v", cd, params, err)
	}
	body, ok := bytes.CutPrefix(r.Raw, []byte("\ufeff"))
	if !ok {
		t.Fatal("the CSV has no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != strings.Join(ledgerexport.Columns, ",") {
		t.Fatalf("csv rows %d, %v: %q", len(rows), err, rows[:min(len(rows), 1)])
	}
	for _, row := range rows[1:] {
		if row[2] < "2026-01-01" || row[2] > "2026-10-31" {
			t.Errorf("a row registered on %s is outside the period", row[2])
		}
	}

	r = e.asRole(petitions.RoleAuditor).do("GET", "/api/v1/ledger.xlsx?to=2026-10-31", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != mimeXLSX {
		t.Fatalf("xlsx: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if xr, _ := f.GetRows(ledgerexport.LedgerSheet); len(xr) < len(rows) {
		t.Errorf("the county's workbook has %d rows, the township's CSV %d", len(xr), len(rows))
	}

	// Bad input is refused per field.
	r = dispatcher.do("GET", "/api/v1/ledger.csv?from=2026-13-01&to=yesterday", nil)
	fields, _ := r.Body["fields"].(map[string]any)
	if r.Status != http.StatusBadRequest || fields["from"] == nil || fields["to"] == nil {
		t.Errorf("bad days: %d %s", r.Status, r.Raw)
	}
	r = dispatcher.do("GET", "/api/v1/ledger.csv?from=2026-10-02&to=2026-10-01", nil)
	if fields, _ := r.Body["fields"].(map[string]any); r.Status != http.StatusBadRequest || fields["to"] == nil {
		t.Errorf("to before from: %d %s", r.Status, r.Raw)
	}
	r = dispatcher.do("GET", "/api/v1/ledger.xlsx?unit=nowhere", nil)
	if fields, _ := r.Body["fields"].(map[string]any); r.Status != http.StatusBadRequest || fields["unit"] == nil {
		t.Errorf("unknown unit: %d %s", r.Status, r.Raw)
	}
}

func TestAPIMonthlyReport(t *testing.T) {
	e := newAPIEnv(t)
	auditor := e.asRole(petitions.RoleAuditor)
	r := auditor.do("GET", "/api/v1/reports/monthly.xlsx?month=2026-10", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != mimeXLSX ||
		!strings.Contains(r.Header.Get("Content-Disposition"), `filename="monthly-report_2026-10.xlsx"`) {
		t.Fatalf("report: %d %v", r.Status, r.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, _ := f.GetRows(ledgerexport.SheetSummary); len(rows) < 5 || !strings.Contains(rows[0][0], "2026年10月") {
		t.Errorf("summary sheet %q", rows)
	}
	r = auditor.do("GET", "/api/v1/reports/monthly.xlsx?month=2026-13", nil)
	if fields, _ := r.Body["fields"].(map[string]any); r.Status != http.StatusBadRequest || fields["month"] == nil {
		t.Errorf("bad month: %d %s", r.Status, r.Raw)
	}
	if r := e.asRole(petitions.RoleAdministrator).do("GET", "/api/v1/reports/monthly.xlsx", nil); r.Status != http.StatusForbidden {
		t.Errorf("administrator: %d", r.Status)
	}

	// The printable page.
	r = auditor.do("GET", "/report/monthly?month=2026-10&unit="+url.QueryEscape("富裕镇"), nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		r.Header.Get("Content-Security-Policy") != ledgerexport.ReportCSP {
		t.Fatalf("page: %d %v", r.Status, r.Header)
	}
	if !strings.Contains(string(r.Raw), "富裕县富裕镇2026年10月信访工作分析报告") || !strings.Contains(string(r.Raw), "size: A4") {
		t.Errorf("page: %.400s", r.Raw)
	}
	if r := e.anonymous().do("GET", "/report/monthly", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous page: %d", r.Status)
	}
}
