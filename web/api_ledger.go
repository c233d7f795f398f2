package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/ledgerexport"
)

// ledgerRoutes mounts the ledger exports and the monthly report's workbook
// on r, the /api/v1 router.
func (api *API) ledgerRoutes(r chi.Router) {
	r.Get("/ledger.xlsx", api.ledgerExport(casework.FormatXLSX))
	r.Get("/ledger.csv", api.ledgerExport(casework.FormatCSV))
	r.Get("/reports/monthly.xlsx", api.monthlyReportXLSX)
}

// reportRoutes mounts the printable monthly report on r, the root router.
func (api *API) reportRoutes(r chi.Router) {
	r.Get("/report/monthly", api.monthlyReportPage)
}

// chinaTime is the zone the query's days and months are read in.
var chinaTime = time.FixedZone("CST", 8*3600)

// MIME types of the exports.
const (
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeCSV  = "text/csv; charset=utf-8"
)

// exportFilter reads from and to (days, YYYY-MM-DD, both inclusive) and
// unit from the query.
func exportFilter(r *http.Request, format string) (casework.ExportFilter, error) {
	q := r.URL.Query()
	f := casework.ExportFilter{Unit: strings.TrimSpace(q.Get("unit")), Format: format}
	fields := map[string]string{}
	if v := q.Get("from"); v != "" {
		d, err := time.ParseInLocation(petitions.DayLayout, v, chinaTime)
		if err != nil {
			fields["from"] = "must be a day, YYYY-MM-DD"
		}
		f.From = d
	}
	if v := q.Get("to"); v != "" {
		d, err := time.ParseInLocation(petitions.DayLayout, v, chinaTime)
		if err != nil {
			fields["to"] = "must be a day, YYYY-MM-DD"
		} else {
			f.To = d.AddDate(0, 0, 1) // the whole day
			if !f.From.IsZero() && d.Before(f.From) {
				fields["to"] = "must not be before from"
			}
		}
	}
	if len(fields) > 0 {
		return f, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.", Fields: fields}
	}
	return f, nil
}

// reportFilter reads month (YYYY-MM; the current month when absent) and
// unit from the query.
func reportFilter(r *http.Request, format string, now time.Time) (casework.ReportFilter, error) {
	q := r.URL.Query()
	f := casework.ReportFilter{Month: now.In(chinaTime), Unit: strings.TrimSpace(q.Get("unit")), Format: format}
	if v := q.Get("month"); v != "" {
		m, err := time.ParseInLocation("2006-01", v, chinaTime)
		if err != nil {
			return f, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.",
				Fields: map[string]string{"month": "must be a month, YYYY-MM"}}
		}
		f.Month = m
	}
	return f, nil
}

func (api *API) ledgerExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := api.actor(w, r)
		if !ok {
			return
		}
		f, err := exportFilter(r, format)
		if err != nil {
			writeError(w, r, api.Log, err)
			return
		}
		period := "全部"
		if !f.From.IsZero() || !f.To.IsZero() {
			period = dayOrOpen(f.From) + "至" + dayOrOpen(f.To.AddDate(0, 0, -1))
		}
		name := "信访台账_" + api.unitLabel(r, f.Unit) + "_" + period + "." + format
		ascii := "ledger_" + strings.ReplaceAll(period, "至", "_") + "." + format
		if period == "全部" {
			ascii = "ledger." + format
		}
		ct := mimeXLSX
		if format == casework.FormatCSV {
			ct = mimeCSV
		}
		dw := &download{w: w, disposition: contentDisposition(ascii, name), contentType: ct}
		if _, err := api.Cases.ExportLedger(r.Context(), a, f, dw); err != nil {
			if !dw.started {
				writeError(w, r, api.Log, err)
				return
			}
			api.Log.Error("web: ledger export failed midway", "actor", a.ID, "err", err)
		}
	}
}

func (api *API) monthlyReportXLSX(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	f, err := reportFilter(r, casework.FormatXLSX, api.now())
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	month := f.Month.In(chinaTime).Format("2006-01")
	name := "信访工作月报_" + api.unitLabel(r, f.Unit) + "_" + month + ".xlsx"
	dw := &download{w: w, disposition: contentDisposition("monthly-report_"+month+".xlsx", name), contentType: mimeXLSX}
	if err := api.Cases.MonthlyReport(r.Context(), a, f, dw); err != nil {
		if !dw.started {
			writeError(w, r, api.Log, err)
			return
		}
		api.Log.Error("web: monthly report failed midway", "actor", a.ID, "err", err)
	}
}

// monthlyReportPage serves the report as a printable page. Failures are
// short pages too: the reader is in a browser, not a script.
func (api *API) monthlyReportPage(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		status, ok := statusOf[petitions.ErrorCode(err)]
		msg := petitions.ErrorMessage(err)
		if !ok || status == http.StatusInternalServerError {
			api.Log.Error("web: monthly report page failed", "err", err)
			status, msg = http.StatusInternalServerError, "The server failed; the error is logged."
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("无法生成月报 / The report cannot be made: " + msg + "\n"))
	}
	p, err := api.Sessions.Person(r)
	if err != nil {
		fail(err)
		return
	}
	f, err := reportFilter(r, casework.FormatHTML, api.now())
	if err == nil {
		var buf bytes.Buffer
		if err = api.Cases.MonthlyReport(r.Context(), p.Actor(), f, &buf); err == nil {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Security-Policy", ledgerexport.ReportCSP)
			_, _ = buf.WriteTo(w)
			return
		}
	}
	fail(err)
}

func (api *API) now() time.Time {
	if api.Now != nil {
		return api.Now()
	}
	return time.Now()
}

// unitLabel names unit ref for a file name: its name, or 全县 for none.
func (api *API) unitLabel(r *http.Request, ref string) string {
	if ref == "" {
		return "全县"
	}
	if tree, err := api.Cases.Tree(r.Context()); err == nil {
		if id, ok := tree.Resolve(ref); ok {
			if u, ok := tree.Unit(id); ok {
				return u.Name
			}
		}
	}
	return ref
}

func dayOrOpen(t time.Time) string {
	if t.IsZero() || t.Year() < 2 {
		return "起"
	}
	return t.In(chinaTime).Format(petitions.DayLayout)
}

// contentDisposition returns an attachment disposition naming the file
// both ways RFC 6266 allows: ascii for old clients, and name in UTF-8
// (filename*, RFC 8187) for the rest.
func contentDisposition(ascii, name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return `attachment; filename="` + strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, ascii) + `"; filename*=UTF-8''` + b.String()
}

// download sends its headers with the first byte written to it, so that a
// refusal before it can still be a JSON error.
type download struct {
	w                        http.ResponseWriter
	disposition, contentType string
	started                  bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.contentType)
		h.Set("Content-Disposition", d.disposition)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	return d.w.Write(p)
}
