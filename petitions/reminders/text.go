package reminders

import (
	"fmt"
	"time"

	"hearingroom/petitions"
)

// stepNames are the Chinese names of the steps reminders speak of.
var stepNames = map[petitions.Step]string{
	petitions.StepAcceptance:       "受理",
	petitions.StepObjection:        "异议",
	petitions.StepHandling:         "办理",
	petitions.StepHandlingExtended: "延期办理",
	petitions.StepReviewRequest:    "复查申请",
	petitions.StepReview:           "复查",
	petitions.StepRecheckRequest:   "复核申请",
	petitions.StepRecheck:          "复核",
	petitions.StepMediation:        "调解",
	petitions.StepConfirmation:     "司法确认申请",
	petitions.StepPerformance:      "协议履行",
	StepSupervision:                "督办反馈",
}

// StepName returns the Chinese name of step, or step itself when it has
// none.
func StepName(step petitions.Step) string {
	if n, ok := stepNames[step]; ok {
		return n
	}
	return string(step)
}

// Title returns the short Chinese heading of a reminder of kind.
func Title(kind petitions.ReminderKind) string {
	switch kind {
	case petitions.ReminderDueSoon:
		return "即将到期"
	case petitions.ReminderDueToday:
		return "今日到期"
	case petitions.ReminderOverdue:
		return "已超期"
	}
	return "期限提醒"
}

// chineseDate writes the China date of t as 2026年7月6日.
func chineseDate(t time.Time) string {
	y, m, d := t.In(petitions.ChinaTime).Date()
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
}

// Text returns the Chinese sentence that says r: which case, which step,
// which day and how many days are left when it fires.
func Text(r Reminder) string {
	last := r.Due.Add(-time.Nanosecond) // r.Due ends the due day
	step, day := StepName(r.Step), chineseDate(last)
	switch r.Kind {
	case petitions.ReminderDueSoon:
		return fmt.Sprintf("【%s】案件 %s 的%s期限为 %s，还剩 %d 天，请按期办结。",
			Title(r.Kind), r.CaseNo, step, day, petitions.DaysLeft(last, r.At))
	case petitions.ReminderDueToday:
		return fmt.Sprintf("【%s】案件 %s 的%s期限今日（%s）届满，请于今日24时前办结。",
			Title(r.Kind), r.CaseNo, step, day)
	case petitions.ReminderOverdue:
		return fmt.Sprintf("【%s】案件 %s 的%s期限已于 %s 届满，现已超期，请尽快办结并说明情况。",
			Title(r.Kind), r.CaseNo, step, day)
	}
	return fmt.Sprintf("【%s】案件 %s 的%s期限为 %s。", Title(r.Kind), r.CaseNo, step, day)
}
