package casework

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"hearingroom/petitions"
)

// MaxAgreementText bounds each text of a drafted agreement, in characters.
const MaxAgreementText = 8000

// AgreementDraft is a written mediation agreement (调解协议) as the mediator
// drafts it on the desk: the parties and what they agreed, in fields. The
// terms the parties read and confirm are the obligations, then the amount
// and the performance deadline written out (DraftAgreement).
type AgreementDraft struct {
	// Parties are the ids of the case's parties who sign; at least two.
	Parties []string `json:"parties"`
	Facts   string   `json:"facts"`  // 纠纷事实
	Issues  string   `json:"issues"` // 争议事项
	// Obligations are the agreed obligations (协议内容): who does what.
	Obligations string `json:"obligations"`
	// Amount, if any, is the sum in yuan, up to two decimals ("12000.50").
	Amount string `json:"amount,omitempty"`
	// Deadline, if any, is the day the obligations are due (DayLayout,
	// China time); not before today.
	Deadline string `json:"performance_deadline,omitempty"`
	Manner   string `json:"performance_manner"` // 履行方式
	// Version, when not 0, is the version of the case the draft was made
	// from (ECONFLICT when the case changed since).
	Version int64 `json:"version,omitempty"`
}

var amountPattern = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)

// DraftAgreement records the written agreement the mediator drafted for
// mediation case id (the lifecycle's reach_agreement): 人民调解法 Arts. 28,
// 29. The parties then confirm it on their own screens (PartyConfirm).
// EINVALID, per field, for a draft that is incomplete or not valid, before
// anything is looked up; then as Transition: ENOTFOUND, EFORBIDDEN (not an
// assigned mediator of the case), ECONFLICT (not in mediation, or changed
// since Version).
func (s *Service) DraftAgreement(ctx context.Context, a petitions.Actor, id string, d AgreementDraft) (*CaseView, error) {
	ag, err := d.agreement(s.now())
	if err != nil {
		return nil, err
	}
	return s.Transition(ctx, a, id, TransitionRequest{Name: "reach_agreement", Version: d.Version,
		Input: petitions.TransitionInput{Agreement: ag}})
}

// agreement checks d and writes it out as a written agreement, or returns
// EINVALID naming every field at fault.
func (d AgreementDraft) agreement(now time.Time) (*petitions.Agreement, error) {
	fields := map[string]string{}
	text := func(name, v string, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case v == "" && required:
			fields[name] = "required"
		case utf8.RuneCountInString(v) > MaxAgreementText:
			fields[name] = fmt.Sprintf("at most %d characters", MaxAgreementText)
		}
		return v
	}
	facts, issues := text("facts", d.Facts, true), text("issues", d.Issues, true)
	obligations, manner := text("obligations", d.Obligations, true), text("performance_manner", d.Manner, true)
	if len(d.Parties) < 2 {
		fields["parties"] = "at least two parties sign an agreement"
	}
	amount := strings.TrimSpace(d.Amount)
	if amount != "" && !amountPattern.MatchString(amount) {
		fields["amount"] = "must be a sum in yuan, such as 12000 or 12000.50"
	}
	var due time.Time
	if d.Deadline != "" {
		day, err := time.ParseInLocation(petitions.DayLayout, d.Deadline, petitions.ChinaTime)
		today := now.In(petitions.ChinaTime).Format(petitions.DayLayout)
		switch {
		case err != nil:
			fields["performance_deadline"] = "must be a day, YYYY-MM-DD"
		case d.Deadline < today:
			fields["performance_deadline"] = "cannot be in the past"
		default:
			due = day
		}
	}
	if len(fields) > 0 {
		e := petitions.Errorf(petitions.EINVALID, "The agreement is not complete or not valid.")
		e.Fields = fields
		return nil, e
	}
	terms := obligations
	if amount != "" {
		terms += "\n涉及金额：人民币 " + amount + " 元。"
	}
	if !due.IsZero() {
		terms += fmt.Sprintf("\n履行期限：%d年%d月%d日前履行完毕。", due.Year(), due.Month(), due.Day())
	}
	return &petitions.Agreement{Form: petitions.FormWritten, Parties: d.Parties, Facts: facts, Issues: issues,
		Terms: terms, PerformanceManner: manner, PerformanceDeadline: due}, nil
}
