package ledgerexport

import "hearingroom/petitions"

// The Chinese names the ledger's codes carry in a county office's 台账.
// A code without a name is shown as it is stored.

var channelNames = map[petitions.Channel]string{
	petitions.ChannelVisit:         "走访",
	petitions.ChannelLetter:        "来信",
	petitions.ChannelPhone:         "来电",
	petitions.ChannelFax:           "传真",
	petitions.ChannelOnline:        "网上信访",
	petitions.ChannelGrid:          "网格员上报",
	petitions.ChannelHotline:       "12345热线",
	petitions.ChannelCourtReferral: "诉调对接",
}

var mediumNames = map[petitions.Medium]string{
	petitions.MediumInPerson: "现场",
	petitions.MediumVideo:    "视频",
	petitions.MediumPhone:    "电话",
	petitions.MediumWeb:      "网络",
}

var classNames = map[petitions.Class]string{
	petitions.ClassSuggestion: "建议意见",
	petitions.ClassAccusation: "检举控告",
	petitions.ClassClaim:      "申诉求决",
}

// stateNames covers both lifecycles; accepted, closed and archived are
// shared, and named as a petitioner reads them in either.
var stateNames = map[petitions.State]string{
	petitions.StateDraft:            "待登记",
	petitions.StateRegistered:       "已登记",
	petitions.StateTransferred:      "已转送交办",
	petitions.StateNotAccepted:      "不予受理",
	petitions.StateDiverted:         "导入法定程序",
	petitions.StateAccepted:         "已受理",
	petitions.StateInProgress:       "办理中",
	petitions.StateReplied:          "已答复",
	petitions.StateReviewRequested:  "复查中",
	petitions.StateReviewAnswered:   "已复查",
	petitions.StateRecheckRequested: "复核中",
	petitions.StateTerminated:       "终结",
	petitions.StateClosed:           "办结",
	petitions.StateWithdrawn:        "已撤回",
	petitions.StateArchived:         "已归档",

	petitions.StateApplied:             "已申请调解",
	petitions.StateRefused:             "当事人拒绝调解",
	petitions.StateMediatorPending:     "待调解员接单",
	petitions.StateInMediation:         "调解中",
	petitions.StateAgreementReached:    "已达成协议",
	petitions.StateAgreementEffective:  "协议生效",
	petitions.StateConfirmationApplied: "申请司法确认",
	petitions.StateConfirmedValid:      "司法确认有效",
	petitions.StateConfirmedInvalid:    "司法确认无效",
	petitions.StatePerforming:          "履行中",
	petitions.StatePerformed:           "已履行",
	petitions.StateBreached:            "未履行",
	petitions.StateFailed:              "调解不成",
	petitions.StateTerminatedByParty:   "当事人终止调解",
}

var outcomeNames = map[petitions.Outcome]string{
	petitions.OutcomeSupport: "支持",
	petitions.OutcomeExplain: "解释说明",
	petitions.OutcomeReject:  "不支持",
}

var scoreNames = map[petitions.Score]string{
	petitions.ScoreSatisfied:      "满意",
	petitions.ScoreBasicSatisfied: "基本满意",
	petitions.ScoreUnsatisfied:    "不满意",
}

var transferNames = map[petitions.TransferType]string{
	petitions.TransferForward: "转送",
	petitions.TransferAssign:  "交办",
}

// name returns names[code], or the code itself when it has no name.
func name[K ~string](names map[K]string, code K) string {
	if n, ok := names[code]; ok {
		return n
	}
	return string(code)
}

// StateName returns the Chinese name of a state of either lifecycle.
func StateName(s petitions.State) string { return name(stateNames, s) }

// ChannelName returns how the case came in, in Chinese: the channel, and
// the medium in brackets when it says more (走访（视频）).
func ChannelName(c petitions.Channel, m petitions.Medium) string {
	n := name(channelNames, c)
	if m == "" || (m == petitions.MediumInPerson && c == petitions.ChannelVisit) ||
		(m == petitions.MediumPhone && (c == petitions.ChannelPhone || c == petitions.ChannelHotline)) ||
		(m == petitions.MediumWeb && c == petitions.ChannelOnline) {
		return n
	}
	return n + "（" + name(mediumNames, m) + "）"
}

// ClassName returns the 2022 class of a petition in Chinese; a mediation,
// which has none, is 人民调解.
func ClassName(p *petitions.Petition) string {
	if p.Kind == petitions.KindMediation {
		return "人民调解"
	}
	return name(classNames, p.Class)
}
