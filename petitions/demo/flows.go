package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"hearingroom/petitions"
)

// petition generates one petition received at at and driven to target.
func (g *gen) petition(at time.Time, target petitions.State) error {
	c, m := g.newCase(petitions.KindPetition, at)
	c.lc = g.pl
	p := c.p
	branch := target
	if target == petitions.StateArchived {
		branch = one(c, []petitions.State{petitions.StateClosed, petitions.StateClosed, petitions.StateClosed,
			petitions.StateNotAccepted, petitions.StateDiverted, petitions.StateWithdrawn, petitions.StateTerminated})
	}
	needsReview := branch == petitions.StateReviewRequested || branch == petitions.StateReviewAnswered ||
		branch == petitions.StateRecheckRequested || branch == petitions.StateTerminated
	switch n := g.r.IntN(10); {
	case n == 0 && !needsReview:
		am := accusations[g.r.IntN(len(accusations))]
		fill := strings.NewReplacer("%s", c.vname, "%d", strconv.Itoa((1+g.r.IntN(40))*1000))
		p.Class, p.Request, p.Facts = petitions.ClassAccusation, fill.Replace(am.request), fill.Replace(am.facts)
		p.Parties, m = p.Parties[:1], am
		if g.r.IntN(2) == 0 {
			p.Anonymous, p.Parties = true, nil
		}
	case n < 3:
		p.Class = petitions.ClassSuggestion
		if cats := petitions.DefaultCategories(); p.Category != "other" {
			p.Request = "建议有关部门加强" + cats[indexOf(cats, p.Category)].Name + "问题的排查和调处"
		}
	default:
		p.Class = petitions.ClassClaim
	}
	c.channel(p)
	if p.Anonymous {
		p.ProxyLevel, p.OnBehalfOf, p.FiledBy, p.ConsentRef = "", "", "", ""
	}
	if !p.Anonymous && p.Class == petitions.ClassClaim && g.r.IntN(12) == 0 { // a group visit
		for i := range 2 + g.r.IntN(3) {
			i += 2
			p.Parties = append(p.Parties, petitions.Party{ID: fmt.Sprintf("p%d", i), Side: petitions.SidePetitioner,
				Name: personName(g.r), Village: p.Village})
			p.Representatives = append(p.Representatives, fmt.Sprintf("p%d", i))
		}
		p.Representatives = append([]string{"p1"}, p.Representatives...)
		p.Headcount = 6 + g.r.IntN(25)
	}
	p.Normalize()
	official := one(c, g.people.TownshipOfficials(c.town))
	dispatcher := one(c, g.people.Dispatchers)
	registrar := official
	p.LeadUnit = TownshipID(c.town)
	if p.Channel == petitions.ChannelHotline || p.Channel == petitions.ChannelOnline || p.Channel == petitions.ChannelLetter ||
		p.Class == petitions.ClassAccusation {
		registrar, p.LeadUnit = dispatcher, DeptID("xinfang")
	}
	if p.FiledBy == "" {
		p.FiledBy = registrar.ID
	}
	p.State = petitions.StateDraft
	c.at(0, 0.05)
	done, err := g.pl.Apply(p, "register", registrar.Role, petitions.TransitionInput{ActorID: registrar.ID}, c.now)
	if err != nil {
		return err
	}
	if err := c.create(registrar.ID, registrar.Role, done); err != nil {
		return err
	}
	if p.Medium == petitions.MediumVideo {
		recv := g.receiver(c)
		if err := c.session(petitions.SessionHearing, 1, recv, "official", "p1"); err != nil {
			return err
		}
	}
	// handler is who acts for the lead unit.
	handler := func() Person {
		switch p.LeadUnit {
		case DeptID("xinfang"):
			return dispatcher
		case TownshipID(c.town):
			return official
		}
		return Person{ID: "staff." + p.LeadUnit, Role: petitions.RoleDepartment}
	}
	petitioner := Person{ID: "p1", Role: petitions.RolePetitioner}
	divert := func() error {
		c.at(1, 10)
		if err := c.step("divert", handler(), petitions.TransitionInput{Route: one(c, []string{"litigation", "reconsideration", "arbitration", "people_mediation", "police"}),
			Reason: "依法导入法定程序", Document: "导入法定程序告知书"}); err != nil {
			return err
		}
		return c.archive(target, handler())
	}
	lateDivert := branch == petitions.StateDiverted && c.chance(0.3)
	if branch == petitions.StateDiverted && !lateDivert {
		return divert()
	}
	switch branch {
	case petitions.StateRegistered:
		return nil
	case petitions.StateWithdrawn:
		c.at(1, 10)
		if err := c.step("withdraw", petitioner, petitions.TransitionInput{Document: "撤回信访事项申请书", Reason: one(c, withdrawReasons)}); err != nil {
			return err
		}
		return c.archive(target, handler())
	case petitions.StateNotAccepted:
		c.at(1, 14)
		if err := c.step("not_accept", handler(), petitions.TransitionInput{ReasonCode: one(c, []string{"civil_dispute", "administrative_act",
			"land_contract_dispute", "labour_dispute", "effective_judgment", "in_handling"}), Document: "不予受理告知书", Manner: petitions.MannerInPerson}); err != nil {
			return err
		}
		return c.archive(target, handler())
	}
	// Route to the competent unit: from the county centre always, from a
	// township when a department is competent.
	if p.LeadUnit == DeptID("xinfang") || (m.dept != "" && c.chance(0.4)) || branch == petitions.StateTransferred {
		to := TownshipID(c.town)
		if m.dept != "" && (p.LeadUnit != DeptID("xinfang") || c.chance(0.6)) {
			to = DeptID(m.dept)
		}
		if to == p.LeadUnit {
			to = DeptID("sifa")
		}
		by, typ := handler(), petitions.TransferForward
		if by.Role == petitions.RoleDispatcher {
			typ = petitions.TransferAssign
		}
		c.at(0.2, 5)
		if err := c.step("transfer", by, petitions.TransitionInput{Unit: to, TransferType: typ}); err != nil {
			return err
		}
		if branch == petitions.StateTransferred {
			return nil
		}
		if by.Role != petitions.RoleDispatcher && c.chance(0.1) { // the receiver objects; the case comes back
			c.at(0.5, 4)
			if err := c.step("object", handler(), petitions.TransitionInput{Reason: one(c, objectReasons)}); err != nil {
				return err
			}
		}
	}
	c.at(1, 12)
	if c.chance(0.08) {
		c.at(10, 20) // late decision
	}
	if err := c.step("accept", handler(), petitions.TransitionInput{Document: "受理告知书", Manner: one(c, []petitions.Manner{petitions.MannerInPerson, petitions.MannerPhone, petitions.MannerSMS})}); err != nil {
		return err
	}
	if branch == petitions.StateAccepted {
		return nil
	}
	owner := one(c, g.people.TownshipLeaders(c.town))
	if p.LeadUnit != TownshipID(c.town) {
		owner = one(c, g.people.CountyLeaders())
	}
	c.at(0, 3)
	if err := c.step("start", handler(), petitions.TransitionInput{Owner: owner.ID}); err != nil {
		return err
	}
	extended := c.chance(0.12)
	if extended {
		c.at(20, 50)
		if err := c.step("extend", owner, petitions.TransitionInput{Days: 15 + g.r.IntN(16), Reason: one(c, extensionReasons), Manner: petitions.MannerPhone}); err != nil {
			return err
		}
	}
	if branch == petitions.StateInProgress {
		return nil
	}
	if lateDivert {
		return divert()
	}
	switch {
	case extended:
		c.at(10, 40)
	case c.chance(0.1):
		c.at(61, 80) // overdue
	default:
		c.at(10, 55)
	}
	outcome := one(c, []petitions.Outcome{petitions.OutcomeSupport, petitions.OutcomeSupport, petitions.OutcomeExplain, petitions.OutcomeReject})
	if needsReview && outcome == petitions.OutcomeSupport {
		outcome = petitions.OutcomeReject
	}
	if err := c.step("reply", handler(), petitions.TransitionInput{Outcome: outcome, Text: "经调查核实，" + p.Request + "。处理意见如下……",
		Document: "信访事项处理意见书", Manner: petitions.MannerInPerson}); err != nil {
		return err
	}
	if branch == petitions.StateReplied {
		return nil
	}
	if branch == petitions.StateClosed {
		if err := c.close(handler()); err != nil {
			return err
		}
		return c.archive(target, handler())
	}
	c.at(2, 20)
	if err := c.step("request_review", petitioner, petitions.TransitionInput{Unit: CountyID}); err != nil {
		return err
	}
	if branch == petitions.StateReviewRequested {
		return nil
	}
	c.at(5, 28)
	if c.chance(0.1) {
		c.at(5, 10)
	}
	if err := c.step("answer_review", dispatcher, petitions.TransitionInput{Outcome: petitions.OutcomeReject, Document: "复查意见书", Manner: petitions.MannerMail}); err != nil {
		return err
	}
	if branch == petitions.StateReviewAnswered {
		return nil
	}
	c.at(2, 20)
	if err := c.step("request_recheck", petitioner, petitions.TransitionInput{Unit: "qiqihar"}); err != nil {
		return err
	}
	if c.chance(0.3) {
		c.at(3, 10)
		if err := c.step("hold_hearing", dispatcher, petitions.TransitionInput{Days: 1 + g.r.IntN(2)}); err != nil {
			return err
		}
	}
	if branch == petitions.StateRecheckRequested {
		return nil
	}
	c.at(5, 25)
	if err := c.step("answer_recheck", dispatcher, petitions.TransitionInput{Outcome: petitions.OutcomeReject, Document: "复核意见书", Manner: petitions.MannerMail}); err != nil {
		return err
	}
	return c.archive(target, dispatcher)
}

// close closes a replied petition: settled soon after the reply, or once
// the 复查 window has lapsed.
func (c *run) close(by Person) error {
	if c.chance(0.6) {
		c.at(1, 20)
		return c.step("close", by, petitions.TransitionInput{Settled: true})
	}
	c.past(petitions.StepReviewRequest)
	return c.step("close", by, petitions.TransitionInput{})
}

// archive files the dossier when the target is archived.
func (c *run) archive(target petitions.State, by Person) error {
	if target != petitions.StateArchived {
		return nil
	}
	step := petitions.StepReviewRequest
	if len(c.p.Reviews) > 0 {
		step = petitions.StepRecheckRequest
	}
	c.past(step)
	return c.step("archive", by, petitions.TransitionInput{DossierNo: "档" + c.p.CaseNo})
}

// receiver returns who receives a video hearing at the case's township on
// its day: the leader on the reception schedule (接访排班) if one is
// scheduled there, else one of the township's leaders.
func (g *gen) receiver(c *run) Person {
	y, m, _ := c.now.In(china).Date()
	key := y*100 + int(m)
	s, ok := g.schedules[key]
	if !ok {
		clear(g.schedules) // cases arrive in order: one month at a time
		s = NewSchedule(g.people, g.cal, c.now)
		g.schedules[key] = s
	}
	for _, r := range s.On(c.now) {
		if r.UnitID == TownshipID(c.town) {
			for _, l := range g.people.Leaders {
				if l.ID == r.LeaderID {
					return l
				}
			}
		}
	}
	return one(c, g.people.TownshipLeaders(c.town))
}
