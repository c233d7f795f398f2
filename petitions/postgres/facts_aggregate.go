package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/factsql"
)

// dialect is how factsql writes PostgreSQL: the cases at the edges of a
// period found by a BitmapOr of one index per date.
var dialect = factsql.Dialect{
	Param: "@",
	Sum: func(cond, val string) string {
		return "COALESCE(SUM(" + val + ") FILTER (WHERE " + cond + "), 0)::bigint"
	},
	Greatest:  "GREATEST",
	Sep:       "chr(31)",
	In:        func(col, name string) string { return col + " = ANY(@" + name + "::text[])" },
	List:      func(ss []string) any { return ss },
	Mediators: ` JOIN case_fact_mediators m ON m.case_id = f.case_id`,
	Edges: func(conds []string, join, where string) string {
		return ` FROM case_facts f` + join + ` WHERE ` + where + ` AND (` + strings.Join(conds, " OR ") + `)`
	},
}

// AggregateFacts sums the facts of the cases q selects; see
// petitions.Store and factsql. Its queries go in one round trip, in one
// read-only transaction.
func (db *DB) AggregateFacts(ctx context.Context, q petitions.FactsQuery) (map[string]*petitions.FactsTotals, error) {
	plan, err := factsql.New(dialect, q)
	if err != nil {
		return nil, err
	}
	args := pgx.NamedArgs(plan.Args)
	b := &pgx.Batch{}
	if q.GroupBy == petitions.GroupMediator {
		// Planned for the period at hand: the generic plan PostgreSQL keeps
		// after five runs joins every mediator to the few cases at the
		// period's edges (tens of milliseconds, not a few).
		b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
	}
	for _, query := range plan.Queries {
		b.Queue(query.Text, args).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := query.Row(rows.Scan); err != nil {
					return internal(err, "facts: %s", query.What)
				}
			}
			if err := rows.Err(); err != nil {
				return internal(err, "facts: %s", query.What)
			}
			return nil
		})
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, internal(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, internal(err, "facts")
	}
	return plan.Totals(), tx.Commit(ctx)
}
