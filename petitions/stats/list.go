package stats

import (
	"fmt"

	"hearingroom/petitions"
)

// figures returns the figures of a scope from its totals, in a fixed order.
func figures(t *petitions.FactsTotals) []Figure {
	f := func(n int) float64 { return float64(n) }
	days, daysSum, daysMedian, daysP90 := histStats(t.HandlingDays, 90)
	fs := []Figure{
		fig("received_cases", "接访量(件)", "cases received",
			"cases received in the period (one case record, 一案一档, is one 件)", "count", basisReceived, f(t.Received), 0),
		fig("received_visits", "接访量(件次)", "visits received",
			"cases received + their repeat-visit links (each repeat link on a case is one more visit on the same matter)", "count", basisRecord, f(t.Visits), 0),
		fig("persons", "人次", "persons",
			"sum of the headcount of the cases received", "count", basisRecord, f(t.Persons), 0),
		fig("group_visits", "集体访(批次)", "group visits",
			fmt.Sprintf("cases received with a headcount of %d or more", GroupHeadcount), "count", basisRecord, f(t.Groups), 0),
		fig("repeat_rate", "重复访率", "repeat petitions",
			"cases received with a repeat-visit link ÷ cases received", "rate", basisRecord, f(t.Repeats), f(t.Received)),
		fig("accepted", "受理(件)", "cases accepted",
			"petitions accepted by the organ + mediations accepted by a mediator, in the period", "count", basisAccepted, f(t.Accepted), 0),
		fig("on_time_acceptance", "及时受理率", "on-time acceptance rate",
			"petitions decided (accept, not_accept, divert) by the end of their acceptance deadline ÷ petitions whose acceptance deadline falls in the period (decided, or undecided past it)",
			"rate", basisDue, f(t.AccOnTime), f(t.AccDue)),
		fig("on_time_completion", "按期办结率", "on-time completion rate",
			"petitions replied by the end of their handling deadline (the extended one once extended) ÷ petitions replied in the period",
			"rate", basisReplied, f(t.RepliedOnTime), f(t.Replied)),
		fig("resolution_rate", "化解率", "resolution rate",
			"cases accepted in the period that are resolved now (petition closed 息诉, or closed after a 支持 reply or 复查 answer, and not reopened; mediation performed) ÷ cases accepted in the period",
			"rate", basisAccepted, f(t.Resolved), f(t.Accepted)),
		fig("active_now", "在办(件)", "active cases",
			"cases in an active state now", "count", basisNow, f(t.Active), 0),
		fig("overdue_now", "超期率", "overdue now",
			"active cases past their running deadline now ÷ active cases", "rate", basisNow, f(t.Overdue), f(t.Active)),
		fig("due_soon", "预警(件)", "due within 3 days",
			fmt.Sprintf("active cases not overdue whose running deadline is at most %d calendar days away", WarningDays), "count", basisNow, f(t.DueSoon), 0),
		fig("handling_days_mean", "平均办理天数", "mean handling days",
			"Σ (closed − accepted, China calendar days) ÷ cases closed in the period", "days", basisClosed, daysSum, f(days)),
		fig("handling_days_median", "办理天数中位数", "median handling days",
			"median of (closed − accepted, China calendar days) of the cases closed in the period (sample: the mean's denominator)", "days", basisClosed, daysMedian, 0),
		fig("handling_days_p90", "办理天数P90", "P90 handling days",
			"90th percentile, nearest rank, of (closed − accepted, China calendar days) of the cases closed in the period", "days", basisClosed, daysP90, 0),
		fig("mediation_success", "调解成功率", "mediation success rate",
			"mediations accepted in the period whose agreement became effective ÷ mediations accepted in the period", "rate", basisAccepted, f(t.MedEffective), f(t.MedAccepted)),
		fig("judicial_confirmation", "司法确认率", "judicial-confirmation rate",
			"agreements effective in the period for which 司法确认 was applied ÷ agreements effective in the period", "rate", basisEffect, f(t.Applied), f(t.Effective)),
		fig("performance", "履行率", "performance rate",
			"agreements performed ÷ agreements whose performance ended (performed or breached) in the period", "rate", basisPerform, f(t.Performed), f(t.PerfEnded)),
		fig("participation", "参评率", "participation rate",
			"cases closed in the period with at least one rating ÷ cases closed in the period", "rate", basisRatings, f(t.Rated), f(t.Closed)),
		fig("satisfaction", "满意率", "satisfaction rate",
			"(满意 + 基本满意) ratings ÷ ratings, of the cases closed in the period", "rate", basisRatings, f(t.Satisfied), f(t.Ratings)),
		fig("supervisions_issued", "督办(次)", "supervisions issued",
			"supervisions issued in the period", "count", basisSupIssue, f(t.SupIssued), 0),
		fig("supervisions_on_time", "督办按期反馈率", "supervisions answered on time",
			"supervisions issued in the period answered by the end of their due day ÷ those answered or past due", "rate", basisSupIssue, f(t.SupOnTime), f(t.SupSettled)),
		fig("supervision_adoption", "督办采纳率", "supervision adoption rate",
			"answers that adopted the 改进建议 ÷ supervisions issued in the period and answered", "rate", basisSupIssue, f(t.SupAdopted), f(t.SupAnswered)),
	}
	for _, l := range summonLevels {
		st := t.Summon(l)
		_, _, minutes, _ := histStats(st.Minutes, 50)
		name := summonNames[l]
		fs = append(fs,
			fig("summons_"+string(l)+"_called", name+"(部门次)", string(l)+" summons: departments called",
				"departments called by "+string(l)+" summons issued in the period", "count", basisSummons, f(st.Called), 0),
			fig("summons_"+string(l)+"_on_time", name+"按时报到率", string(l)+" summons: reported on time",
				"departments reporting in no later than the report due ÷ departments called in the period that reported or are past due",
				"rate", basisSummons, f(st.OnTime), f(st.Settled)),
			fig("summons_"+string(l)+"_median_minutes", name+"报到用时中位数", string(l)+" summons: median minutes to report in",
				"median of (reported − issued, minutes) over the departments that reported in", "minutes", basisSummons, minutes, 0),
		)
	}
	return fs
}

var summonLevels = []petitions.SummonLevel{petitions.SummonQuick, petitions.SummonEmergency, petitions.SummonTough}

var summonNames = map[petitions.SummonLevel]string{
	petitions.SummonQuick: "快捷哨", petitions.SummonEmergency: "应急哨", petitions.SummonTough: "攻坚哨",
}

// mediatorFigures returns one mediator's figures from his totals.
func mediatorFigures(m *petitions.FactsTotals) []Figure {
	f := func(n int) float64 { return float64(n) }
	return []Figure{
		fig("mediations_accepted", "接单(件)", "mediations accepted",
			"mediations the mediator accepted in the period", "count", basisAccepted, f(m.Accepted), 0),
		fig("mediation_success", "调解成功率", "mediation success rate",
			"of those, the ones whose agreement became effective ÷ mediations accepted", "rate", basisAccepted, f(m.MedEffective), f(m.Accepted)),
		fig("participation", "参评率", "participation rate",
			"his mediations closed in the period with a rating of him ÷ his mediations closed in the period", "rate", basisRatings, f(m.Rated), f(m.Closed)),
		fig("satisfaction", "满意率", "satisfaction rate",
			"(满意 + 基本满意) ratings of him ÷ ratings of him, on his mediations closed in the period", "rate", basisRatings, f(m.Satisfied), f(m.Ratings)),
	}
}

// ownerFigures returns one 包案 leader's load, as of now, from his totals.
func ownerFigures(o *petitions.FactsTotals) []Figure {
	const basis = "as of now: owner from the start transition event (the case record when no event names one)"
	f := func(n int) float64 { return float64(n) }
	return []Figure{
		fig("owner_cases", "包案(件)", "cases owned", "cases the leader owns (包案)", "count", basis, f(o.Cases), 0),
		fig("owner_closed", "包案办结(件)", "owned cases closed", "owned cases closed and not reopened", "count", basis, f(o.ClosedEver), 0),
		fig("owner_overdue", "包案超期(件)", "owned cases overdue", "owned cases active and past their running deadline", "count", basis, f(o.Overdue), 0),
	}
}
