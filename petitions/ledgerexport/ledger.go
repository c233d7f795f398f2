package ledgerexport

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"
)

// LedgerSheet is the name of the ledger's worksheet.
const LedgerSheet = "信访台账"

// bom starts a CSV file so that Excel reads it as UTF-8, not as GBK.
const bom = "\ufeff"

// columnWidths are the ledger's column widths in the workbook, in
// characters, in the order of Columns.
var columnWidths = []float64{6, 20, 12, 12, 10, 6, 12, 12, 12, 10, 48, 22, 10, 12, 12, 12, 12, 14, 8, 14, 10}

// WriteCSV writes the ledger to w as CSV: UTF-8 with a byte-order mark,
// CRLF line ends, the Columns as the first line, then one line per entry
// numbered from 1. A cell that a spreadsheet would take for a formula
// (starting with =, +, -, @) is prefixed with an apostrophe. It returns the
// number of entries written and the first error of entries or of w.
func WriteCSV(w io.Writer, names Names, entries iter.Seq2[Entry, error]) (int, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Columns); err != nil {
		return 0, err
	}
	n := 0
	for e, err := range entries {
		if err != nil {
			cw.Flush()
			return n, err
		}
		n++
		cells := names.Row(n, e).Strings()
		for i, c := range cells {
			cells[i] = defuse(c)
		}
		if err := cw.Write(cells); err != nil {
			return n, err
		}
	}
	cw.Flush()
	return n, cw.Error()
}

// defuse keeps a spreadsheet from evaluating a text cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteXLSX writes the ledger to w as an .xlsx workbook with one sheet,
// LedgerSheet: the Columns as a bold, frozen first row, then one row per
// entry numbered from 1. Rows are streamed (excelize's StreamWriter keeps
// only a window of them in memory, the rest in a temporary file), and the
// workbook is written to w once the last entry is in. Text cells are text:
// nothing a petitioner wrote becomes a formula. It returns the number of
// entries written and the first error of entries, of the workbook or of w.
func WriteXLSX(w io.Writer, names Names, entries iter.Seq2[Entry, error]) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", LedgerSheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(LedgerSheet)
	if err != nil {
		return 0, err
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    thinBorder(),
	})
	if err != nil {
		return 0, err
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: thinBorder()})
	if err != nil {
		return 0, err
	}
	for i, wd := range columnWidths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	if err := sw.SetRow("A1", anys(Columns), excelize.RowOpts{StyleID: header, Height: 24}); err != nil {
		return 0, err
	}
	n := 0
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		n++
		cell, err := excelize.CoordinatesToCellName(1, n+1)
		if err != nil {
			return n, err
		}
		if err := sw.SetRow(cell, names.Row(n, e).values(), excelize.RowOpts{StyleID: body}); err != nil {
			return n, fmt.Errorf("ledgerexport: row %d: %w", n, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	if _, err := f.WriteTo(w); err != nil {
		return n, err
	}
	return n, nil
}

func thinBorder() []excelize.Border {
	var bs []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		bs = append(bs, excelize.Border{Type: side, Color: "999999", Style: 1})
	}
	return bs
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
