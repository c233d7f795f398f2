package demo

import (
	"fmt"
	"strings"
	"time"

	"hearingroom/petitions"
)

// mediation generates one people's mediation received at at and driven to
// target.
func (g *gen) mediation(at time.Time, target petitions.State) error {
	c, m := g.newCase(petitions.KindMediation, at)
	for !m.mediable || m.respondent == "" {
		g.serial[at.In(china).Year()]--
		c, m = g.newCase(petitions.KindMediation, at)
	}
	c.lc = g.ml
	p := c.p
	p.Channel = one(c, []petitions.Channel{petitions.ChannelVisit, petitions.ChannelVisit, petitions.ChannelGrid,
		petitions.ChannelPhone, petitions.ChannelCourtReferral})
	if p.Channel == petitions.ChannelVisit {
		p.Medium, p.StationID = petitions.MediumVideo, StationID(p.Village)
	}
	p.LeadUnit = TownshipID(c.town)
	p.Mediation = &petitions.Mediation{PublicSession: c.chance(0.1)}
	p.State = petitions.StateApplied
	p.Normalize()
	official := one(c, g.people.TownshipOfficials(c.town))
	if err := p.Validate(); err != nil {
		return err
	}
	p.RegisteredAt = c.now
	if err := c.create(official.ID, official.Role, map[string]any{"lifecycle": "mediation", "state": p.State}); err != nil {
		return err
	}
	branch := target
	if target == petitions.StateClosed || target == petitions.StateArchived {
		branch = one(c, []petitions.State{petitions.StatePerformed, petitions.StatePerformed, petitions.StatePerformed,
			petitions.StatePerformed, petitions.StateFailed, petitions.StateTerminatedByParty, petitions.StateBreached,
			petitions.StateConfirmedInvalid, petitions.StateRefused})
		if target == petitions.StateClosed && branch == petitions.StateRefused {
			branch = petitions.StateFailed
		}
	}
	party := Person{ID: "p1", Role: petitions.RolePetitioner}
	if branch == petitions.StateApplied {
		return nil
	}
	if branch == petitions.StateRefused {
		c.at(0.5, 5)
		if err := c.stepAs("refuse", petitions.RolePetitioner, petitions.TransitionInput{ActorID: "r1", PartyID: "r1", Reason: "被申请人不同意调解"}); err != nil {
			return err
		}
		return c.archiveMediation(target, official)
	}
	pool := append(append([]Person{}, g.people.TownshipMediators(c.town)...), g.people.CountyMediators()...)
	pickFrom := func(not string) Person {
		for {
			if md := one(c, pool); md.ID != not {
				return md
			}
		}
	}
	md := pickFrom("")
	c.at(0.1, 3)
	if err := c.step("pick", party, petitions.TransitionInput{MediatorID: md.ID}); err != nil {
		return err
	}
	if c.chance(0.1) { // the mediator declines; the parties pick again
		c.at(0.1, 2)
		if err := c.step("decline", md, petitions.TransitionInput{Reason: "与一方当事人有亲属关系，申请回避"}); err != nil {
			return err
		}
		md = pickFrom(md.ID)
		c.at(0.1, 2)
		if err := c.step("pick", official, petitions.TransitionInput{MediatorID: md.ID}); err != nil {
			return err
		}
	}
	if branch == petitions.StateMediatorPending {
		return nil
	}
	c.at(0.1, 2)
	if err := c.step("accept", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	if branch == petitions.StateAccepted {
		return nil
	}
	c.at(0.5, 5)
	if err := c.step("start_mediation", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	if err := c.session(petitions.SessionMediation, 1, md, "mediator", "p1", "r1"); err != nil {
		return err
	}
	if c.chance(0.3) {
		c.now = c.now.Add(2 * time.Hour)
		if err := c.session(petitions.SessionCaucus, 2, md, "mediator", "p1"); err != nil {
			return err
		}
	}
	switch branch {
	case petitions.StateInMediation:
		return nil
	case petitions.StateFailed, petitions.StateTerminatedByParty:
		c.at(3, 25)
		var err error
		if branch == petitions.StateFailed {
			err = c.step("fail", md, petitions.TransitionInput{Reason: one(c, failReasons)})
		} else {
			err = c.step("end_by_party", party, petitions.TransitionInput{PartyID: "r1", Reason: "被申请人要求终止调解"})
		}
		if err != nil {
			return err
		}
		return c.closeMediation(target, md, official)
	}
	confirm := branch == petitions.StateConfirmationApplied || branch == petitions.StateConfirmedValid ||
		branch == petitions.StateConfirmedInvalid || c.chance(0.25)
	form := petitions.FormWritten
	if !confirm && branch != petitions.StateAgreementReached && c.chance(0.2) {
		form = petitions.FormOral
	}
	c.at(2, 25)
	a := &petitions.Agreement{No: fmt.Sprintf("富调协〔%d〕%s号", c.now.In(china).Year(), p.CaseNo[len(p.CaseNo)-5:]),
		Form: form, Parties: []string{"p1", "r1"}, Facts: p.Facts, Issues: p.Request,
		Responsibilities: "经调解，被申请人承担主要责任", Terms: "被申请人同意" + strings.TrimPrefix(p.Request, "要求") + "，申请人放弃其他请求",
		PerformanceManner: one(c, []string{"一次性现金支付", "分两期转账支付", "当场履行"})}
	if c.chance(0.8) {
		y, mo, d := c.now.In(china).AddDate(0, 0, 15+g.r.IntN(60)).Date()
		a.PerformanceDeadline = time.Date(y, mo, d, 0, 0, 0, 0, china)
	}
	if err := c.step("reach_agreement", md, petitions.TransitionInput{Agreement: a}); err != nil {
		return err
	}
	if branch == petitions.StateAgreementReached {
		if c.chance(0.5) {
			c.at(0, 1)
			return c.step("sign", party, petitions.TransitionInput{PartyID: "p1", SignManner: petitions.SignFingerprint})
		}
		return nil
	}
	if form == petitions.FormWritten {
		for _, id := range []string{"p1", "r1"} {
			c.at(0, 0.5)
			if err := c.step("sign", party, petitions.TransitionInput{PartyID: id, SignManner: one(c, []petitions.SignManner{petitions.SignSignature, petitions.SignFingerprint, petitions.SignElectronic})}); err != nil {
				return err
			}
		}
		c.at(0, 0.5)
		if err := c.step("countersign", md, petitions.TransitionInput{SignManner: petitions.SignSignature}); err != nil {
			return err
		}
	}
	c.at(0, 2)
	if err := c.step("make_effective", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	if branch == petitions.StateAgreementEffective {
		return nil
	}
	if confirm {
		c.at(2, 20)
		if err := c.step("apply_confirmation", party, petitions.TransitionInput{PartyIDs: []string{"p1", "r1"}, Court: "富裕县人民法院"}); err != nil {
			return err
		}
		if branch == petitions.StateConfirmationApplied {
			return nil
		}
		c.at(5, 15)
		ruling := petitions.TransitionInput{RulingNo: fmt.Sprintf("（%d）黑0227民特%d号", c.now.In(china).Year(), 1+g.r.IntN(900))}
		if branch == petitions.StateConfirmedInvalid {
			if err := c.step("reject_confirmation", md, ruling); err != nil {
				return err
			}
			return c.closeMediation(target, md, official)
		}
		if err := c.step("confirm", md, ruling); err != nil {
			return err
		}
		if branch == petitions.StateConfirmedValid {
			return nil
		}
	}
	c.at(0, 3)
	if err := c.step("monitor", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	if branch == petitions.StatePerforming {
		return nil
	}
	c.at(5, 60)
	if branch == petitions.StateBreached {
		if err := c.step("breach", md, petitions.TransitionInput{Reason: one(c, breachReasons)}); err != nil {
			return err
		}
	} else if err := c.step("fulfil", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	return c.closeMediation(target, md, official)
}

// closeMediation closes (and archives) a mediation when the target asks.
func (c *run) closeMediation(target petitions.State, md, official Person) error {
	if target != petitions.StateClosed && target != petitions.StateArchived {
		return nil
	}
	c.at(0.5, 7)
	if err := c.step("close", md, petitions.TransitionInput{}); err != nil {
		return err
	}
	return c.archiveMediation(target, official)
}

func (c *run) archiveMediation(target petitions.State, by Person) error {
	if target != petitions.StateArchived {
		return nil
	}
	c.at(3, 30)
	return c.step("archive", by, petitions.TransitionInput{DossierNo: "调档" + c.p.CaseNo})
}
