package casework_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/ledgerexport"
)

// ledgerExportEvents returns the data of the ledger-level export events from seq
// on.
func ledgerExportEvents(t *testing.T, f *fixture, from int64) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := f.store.ScanEvents(context.Background(), from, func(e *petitions.Event) error {
		if e.Kind == casework.KindExport && e.CaseID == "" {
			var m map[string]any
			if err := json.Unmarshal(e.Data, &m); err != nil {
				return err
			}
			m["actor"] = e.Actor
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastSeq returns the sequence number of the ledger's last event.
func lastSeq(t *testing.T, f *fixture) int64 {
	t.Helper()
	var last int64
	if err := f.store.ScanEvents(context.Background(), 1, func(e *petitions.Event) error { last = e.Seq; return nil }); err != nil {
		t.Fatal(err)
	}
	return last
}

// csvLedger exports the ledger as CSV for a and parses it.
func csvLedger(t *testing.T, f *fixture, a petitions.Actor, ef casework.ExportFilter) ([][]string, error) {
	t.Helper()
	ef.Format = casework.FormatCSV
	var buf bytes.Buffer
	n, err := f.svc.ExportLedger(context.Background(), a, ef, &buf)
	if err != nil {
		return nil, err
	}
	rows, perr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if perr != nil {
		t.Fatal(perr)
	}
	if len(rows) != n+1 {
		t.Errorf("%d rows for a count of %d", len(rows), n)
	}
	return rows, nil
}

func TestExportLedgerPermissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before := lastSeq(t, f)

	for _, id := range []string{f.ps.Administrator.ID, f.ps.TownshipOfficials(0)[0].ID, f.ps.Staff[0].ID, f.ps.Mediators[0].ID} {
		_, err := f.svc.ExportLedger(ctx, f.actor(t, id), casework.ExportFilter{Format: casework.FormatXLSX}, &bytes.Buffer{})
		if code(err) != petitions.EFORBIDDEN {
			t.Errorf("%s: err = %v, want forbidden", id, err)
		}
	}
	if evs := ledgerExportEvents(t, f, before+1); len(evs) != 0 {
		t.Errorf("refused exports were logged: %v", evs)
	}

	// The dispatcher and the auditor export the county.
	all, err := f.store.ListPetitions(ctx, petitions.PetitionFilter{Limit: petitions.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	dispatcher := f.actor(t, f.ps.Dispatchers[0].ID)
	rows, err := csvLedger(t, f, dispatcher, casework.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < len(all)*9/10 {
		t.Errorf("the dispatcher's ledger has %d rows of %d cases", len(rows)-1, len(all))
	}
	// In the order the cases came in, as an office keeps its ledger.
	for i := 2; i < len(rows); i++ {
		if rows[i][2] < rows[i-1][2] {
			t.Errorf("row %d (%s, received %s) comes after %s received %s", i, rows[i][1], rows[i][2], rows[i-1][1], rows[i-1][2])
			break
		}
	}
	text := strings.Join(flatten(rows), "\n")
	for _, p := range all {
		for _, pt := range p.Parties {
			for _, v := range []string{pt.Contact.Phone, pt.Contact.IDNumber, pt.Contact.Address} {
				if v != "" && strings.Contains(text, v) {
					t.Errorf("the ledger holds a contact detail of %s: %q", p.CaseNo, v)
				}
			}
		}
	}
	for _, r := range rows[1:] {
		if r[9] == "检举控告" && r[10] != ledgerexport.Confidential {
			t.Errorf("accusation %s shows its summary %q", r[1], r[10])
		}
	}
	auditor := f.actor(t, f.ps.Auditor.ID)
	var book bytes.Buffer
	n, err := f.svc.ExportLedger(ctx, auditor, casework.ExportFilter{Format: casework.FormatXLSX,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, china), To: time.Date(2026, 11, 1, 0, 0, 0, 0, china)}, &book)
	if err != nil || n == 0 || n >= len(rows)-1 {
		t.Fatalf("auditor's 2026 ledger: %d rows of %d, %v", n, len(rows)-1, err)
	}
	xf, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	if xr, _ := xf.GetRows(ledgerexport.LedgerSheet); len(xr) != n+1 || xr[1][2] < "2026-01-01" {
		t.Errorf("workbook: %d rows for %d, first %q", len(xr), n, xr[1])
	}

	// A township's leader exports his township, and nothing else.
	leader := f.actor(t, f.ps.TownshipLeaders(0)[0].ID)
	rows, err = csvLedger(t, f, leader, casework.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatal("the township's ledger is empty")
	}
	for _, r := range rows[1:] {
		if r[7] != "富裕镇" && r[11] != "富裕镇" {
			t.Errorf("row neither from nor handled by the leader's township: %q", r)
		}
	}
	if _, err := csvLedger(t, f, leader, casework.ExportFilter{Unit: demo.VillageID(0, 2)}); err != nil {
		t.Errorf("his own village: %v", err)
	}
	if _, err := csvLedger(t, f, leader, casework.ExportFilter{Unit: demo.TownshipID(1)}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another township: err = %v, want forbidden", err)
	}
	if _, err := csvLedger(t, f, leader, casework.ExportFilter{Unit: demo.CountyID}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("the county: err = %v, want forbidden", err)
	}

	// Bad filters are refused per field, before anything is logged.
	seq := lastSeq(t, f)
	_, err = f.svc.ExportLedger(ctx, dispatcher, casework.ExportFilter{Format: "pdf", Unit: "no-such-unit",
		From: time.Date(2026, 2, 1, 0, 0, 0, 0, china), To: time.Date(2026, 1, 1, 0, 0, 0, 0, china)}, &bytes.Buffer{})
	var pe *petitions.Error
	if !errorsAs(err, &pe) || pe.Code != petitions.EINVALID || pe.Fields["format"] == "" || pe.Fields["unit"] == "" || pe.Fields["to"] == "" {
		t.Errorf("bad filter: %v", err)
	}
	if lastSeq(t, f) != seq {
		t.Error("a refused export was logged")
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestExportLedgerIsLogged(t *testing.T) {
	f := newFixture(t)
	before := lastSeq(t, f)
	dispatcher := f.actor(t, f.ps.Dispatchers[0].ID)
	rows, err := csvLedger(t, f, dispatcher, casework.ExportFilter{Unit: demo.TownshipID(0)})
	if err != nil {
		t.Fatal(err)
	}
	evs := ledgerExportEvents(t, f, before+1)
	if len(evs) != 2 {
		t.Fatalf("%d export events, want started and finished: %v", len(evs), evs)
	}
	for i, stage := range []string{"started", "finished"} {
		e := evs[i]
		filter, _ := e["filter"].(map[string]any)
		if e["what"] != "ledger" || e["stage"] != stage || e["actor"] != dispatcher.ID || filter["unit"] != demo.TownshipID(0) || filter["format"] != "csv" {
			t.Errorf("event %d: %v", i, e)
		}
	}
	if evs[1]["cases"] != float64(len(rows)-1) {
		t.Errorf("logged count %v, exported %d", evs[1]["cases"], len(rows)-1)
	}
}

func TestMonthlyReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, china)
	if err := f.svc.MonthlyReport(ctx, f.actor(t, f.ps.TownshipOfficials(0)[0].ID),
		casework.ReportFilter{Month: month, Format: casework.FormatHTML}, &bytes.Buffer{}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("a township official: err = %v, want forbidden", err)
	}
	before := lastSeq(t, f)
	var page bytes.Buffer
	leader := f.actor(t, f.ps.TownshipLeaders(0)[0].ID)
	if err := f.svc.MonthlyReport(ctx, leader, casework.ReportFilter{Month: month, Format: casework.FormatHTML}, &page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "富裕县富裕镇2026年10月信访工作分析报告") {
		t.Errorf("the page has no title: %.300s", page.String())
	}
	evs := ledgerExportEvents(t, f, before+1)
	if len(evs) != 2 || evs[0]["what"] != "monthly_report" || evs[1]["stage"] != "finished" {
		t.Errorf("events %v", evs)
	}
	var book bytes.Buffer
	if err := f.svc.MonthlyReport(ctx, f.actor(t, f.ps.Auditor.ID), casework.ReportFilter{Month: month, Format: casework.FormatXLSX}, &book); err != nil {
		t.Fatal(err)
	}
	xf, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	if len(xf.GetSheetList()) != 6 {
		t.Errorf("sheets %v", xf.GetSheetList())
	}
}
