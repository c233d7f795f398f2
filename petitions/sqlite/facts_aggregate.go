package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"hearingroom/petitions"
	"hearingroom/petitions/factsql"
)

// dialect is how factsql writes SQLite: the cases at the edges of a period
// found one index at a time (SQLite does not combine them for an OR), and
// the mediators joined after the cases (CROSS JOIN keeps that order).
var dialect = factsql.Dialect{
	Param: ":",
	Sum: func(cond, val string) string {
		return "COALESCE(SUM(CASE WHEN " + cond + " THEN " + val + " ELSE 0 END), 0)"
	},
	Greatest: "MAX",
	Sep:      "char(31)",
	In:       func(col, name string) string { return col + " IN (SELECT value FROM json_each(@" + name + "))" },
	List: func(ss []string) any {
		b, _ := json.Marshal(ss)
		return string(b)
	},
	Mediators: ` CROSS JOIN case_fact_mediators m ON m.case_id = f.case_id`,
	Edges: func(conds []string, join, where string) string {
		rel := make([]string, len(conds))
		for i, c := range conds {
			rel[i] = `SELECT case_id FROM case_facts WHERE ` + c
		}
		return ` FROM (` + strings.Join(rel, " UNION ") + `) r CROSS JOIN case_facts f ON f.case_id = r.case_id` +
			join + ` WHERE ` + where
	},
}

// AggregateFacts sums the facts of the cases q selects; see
// petitions.Store and factsql. Its queries run one after the other in one
// read-only transaction.
func (db *DB) AggregateFacts(ctx context.Context, q petitions.FactsQuery) (map[string]*petitions.FactsTotals, error) {
	plan, err := factsql.New(dialect, q)
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(plan.Args))
	for k, v := range plan.Args {
		args = append(args, sql.Named(k, v))
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, internal(err, "begin")
	}
	defer tx.Rollback()
	for _, query := range plan.Queries {
		if err := readRows(ctx, tx, query, args); err != nil {
			return nil, err
		}
	}
	return plan.Totals(), tx.Commit()
}

func readRows(ctx context.Context, tx *sql.Tx, query factsql.Query, args []any) error {
	rows, err := tx.QueryContext(ctx, query.Text, args...)
	if err != nil {
		return internal(err, "facts: %s", query.What)
	}
	defer rows.Close()
	for rows.Next() {
		if err := query.Row(rows.Scan); err != nil {
			return internal(err, "facts: %s", query.What)
		}
	}
	if err := rows.Err(); err != nil {
		return internal(err, "facts: %s", query.What)
	}
	return nil
}
