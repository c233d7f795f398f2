package petitions

import (
	"fmt"
	"slices"
)

// MaxRepresentatives is the most representatives a group visit may choose
// (信访条例 2005 Art. 18).
const MaxRepresentatives = 5

// Validate checks the case record itself, whatever its state: required
// fields, known enumerations, the rules between fields. It returns nil, or an
// *Error EINVALID whose Fields holds one message per offending field (JSON
// names). It does not check the state (the Lifecycle does) nor catalogue
// membership of Category (the service's configuration does), and it never
// changes p: call Normalize first to apply the rules that fix instead of
// refuse.
//
// Rules: kind, channel, risk level known; category and request required;
// a petition has a class, a mediation has at least one party on each side;
// facts required for accusations, claims and mediations; an accusation is
// confidential; a claim is not anonymous; an identified case names a
// petitioner; parties have unique ids, a side and a name; a proxy filing has
// a level, the party filed for and a consent record; at most 5
// representatives, each a petitioner party, no more than the headcount;
// attachments carry a SHA-256.
func (p *Petition) Validate() error {
	pr := problems{}
	switch p.Kind {
	case KindPetition:
		switch p.Class {
		case ClassSuggestion, ClassAccusation, ClassClaim:
		case "":
			pr.add("class", "required: suggestion (建议意见), accusation (检举控告) or claim (申诉求决)")
		default:
			pr.add("class", "unknown class %q", p.Class)
		}
		if p.Mediation != nil {
			pr.add("mediation", "only a mediation case has mediation details")
		}
	case KindMediation:
		if p.Class != "" {
			pr.add("class", "a mediation has no petition class")
		}
	case "":
		pr.add("kind", "required: petition or mediation")
	default:
		pr.add("kind", "unknown kind %q", p.Kind)
	}
	if p.Category == "" {
		pr.add("category", "required")
	}
	switch p.Channel {
	case ChannelVisit, ChannelLetter, ChannelPhone, ChannelFax, ChannelOnline, ChannelGrid,
		ChannelHotline, ChannelCourtReferral:
	case "":
		pr.add("channel", "required")
	default:
		pr.add("channel", "unknown channel %q", p.Channel)
	}
	switch p.Medium {
	case "", MediumInPerson, MediumVideo, MediumPhone, MediumWeb:
	default:
		pr.add("medium", "unknown medium %q", p.Medium)
	}
	switch p.RiskLevel {
	case RiskGreen, RiskYellow, RiskRed:
	case "":
		pr.add("risk_level", "required: green, yellow or red")
	default:
		pr.add("risk_level", "unknown risk level %q", p.RiskLevel)
	}
	if p.Request == "" {
		pr.add("request", "required")
	}
	if p.Facts == "" && (p.Class == ClassAccusation || p.Class == ClassClaim || p.Kind == KindMediation) {
		pr.add("facts", "required")
	}
	if p.Class == ClassAccusation && !p.Confidential {
		pr.add("confidential", "an accusation (检举控告) is always confidential")
	}
	if p.Anonymous && (p.Class == ClassClaim || p.Kind == KindMediation) {
		pr.add("anonymous", "a claim (申诉求决) or a mediation needs identified parties")
	}
	p.validateParties(pr)
	p.validateProxy(pr)
	p.validateUnits(pr)
	for i, a := range p.Attachments {
		at := fmt.Sprintf("attachments[%d]", i)
		if a.ID == "" {
			pr.add(at+".id", "required")
		}
		if a.Name == "" {
			pr.add(at+".name", "required")
		}
		if !validSHA256(a.SHA256) {
			pr.add(at+".sha256", "must be 64 lower-case hex digits")
		}
		if a.Size < 0 {
			pr.add(at+".size", "must not be negative")
		}
	}
	if p.Mediation != nil && p.Mediation.Agreement != nil {
		p.Mediation.Agreement.validate(p, pr, "mediation.agreement")
	}
	return pr.err("The case")
}

// validateParties checks parties, headcount and representatives.
func (p *Petition) validateParties(pr problems) {
	ids := map[string]bool{}
	sides := map[Side]int{}
	for i, pt := range p.Parties {
		at := fmt.Sprintf("parties[%d]", i)
		switch {
		case pt.ID == "":
			pr.add(at+".id", "required")
		case ids[pt.ID]:
			pr.add(at+".id", "duplicate party id %q", pt.ID)
		}
		ids[pt.ID] = true
		switch pt.Side {
		case SidePetitioner, SideRespondent:
			sides[pt.Side]++
		default:
			pr.add(at+".side", "must be petitioner or respondent")
		}
		if pt.Name == "" {
			pr.add(at+".name", "required")
		}
	}
	if !p.Anonymous && sides[SidePetitioner] == 0 {
		pr.add("parties", "an identified case names at least one petitioner")
	}
	if p.Kind == KindMediation && sides[SideRespondent] == 0 {
		pr.add("parties", "a mediation needs a party on each side")
	}
	if p.Headcount < 1 {
		pr.add("headcount", "must be at least 1")
	}
	if n := len(p.Representatives); n > MaxRepresentatives {
		pr.add("representatives", "at most %d representatives (信访条例 第18条), got %d", MaxRepresentatives, n)
	} else if n > p.Headcount {
		pr.add("representatives", "%d representatives for a headcount of %d", n, p.Headcount)
	}
	for i, id := range p.Representatives {
		at := fmt.Sprintf("representatives[%d]", i)
		if pt, ok := p.Party(id); !ok || pt.Side != SidePetitioner {
			pr.add(at, "%q is not a petitioner of this case", id)
		} else if slices.Index(p.Representatives, id) != i {
			pr.add(at, "%q listed twice", id)
		}
	}
}

// validateProxy checks a filing by a proxy (三级代理员).
func (p *Petition) validateProxy(pr problems) {
	switch p.ProxyLevel {
	case "":
		if p.OnBehalfOf != "" {
			pr.add("proxy_level", "required when filing on behalf of a party")
		}
		return
	case ProxyVillage, ProxyTownship, ProxyCounty:
	default:
		pr.add("proxy_level", "unknown proxy level %q", p.ProxyLevel)
	}
	if p.ConsentRef == "" {
		pr.add("consent_ref", "a proxy filing needs the petitioner's consent record")
	}
	if p.OnBehalfOf == "" {
		pr.add("on_behalf_of", "required for a proxy filing")
	} else if pt, ok := p.Party(p.OnBehalfOf); !ok || pt.Side != SidePetitioner {
		pr.add("on_behalf_of", "%q is not a petitioner of this case", p.OnBehalfOf)
	}
}

// validateUnits checks the lead unit and co-units.
func (p *Petition) validateUnits(pr problems) {
	for i, u := range p.CoUnits {
		at := fmt.Sprintf("co_units[%d]", i)
		switch {
		case u == "":
			pr.add(at, "required")
		case u == p.LeadUnit:
			pr.add(at, "the lead unit is not a co-unit")
		case slices.Index(p.CoUnits, u) != i:
			pr.add(at, "%q listed twice", u)
		}
	}
}
