package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hearingroom/petitions"
)

// run drives one case: it applies transitions at advancing times and emits
// the case and one event per step.
type run struct {
	g       *gen
	lc      *petitions.Lifecycle
	p       *petitions.Petition
	now     time.Time
	version int64
	town    int    // township index of the case's village
	vname   string // the village's name
}

// at moves the clock on by between lo and hi days, into office hours.
func (c *run) at(lo, hi float64) {
	d := lo + c.g.r.Float64()*(hi-lo)
	t := c.now.Add(time.Duration(d * float64(24*time.Hour)))
	y, m, day := t.In(china).Date()
	t = time.Date(y, m, day, 8, 30, 0, 0, china).Add(time.Duration(c.g.r.IntN(8*60)) * time.Minute)
	if !t.After(c.now) {
		t = c.now.Add(time.Duration(5+c.g.r.IntN(120)) * time.Minute)
	}
	c.now = t
}

// past moves the clock beyond the end of the deadline of step.
func (c *run) past(step petitions.Step) {
	if d, ok := c.p.Deadlines[step]; ok {
		end := petitions.EndOfDay(d.Adjusted)
		if !c.now.After(end) {
			c.now = end
		}
	}
	c.at(1, 15)
}

// errHorizon stops a case whose next step would come after Config.To: the
// case stays in the state it reached by then.
var errHorizon = errors.New("demo: past the horizon")

// event returns the event of a step.
func event(kind, actor string, role petitions.Role, at time.Time, data any) (*petitions.Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return &petitions.Event{Kind: kind, Actor: actor, ActorRole: string(role), At: at, Data: b}, nil
}

// create emits the new case with its first event.
func (c *run) create(actor string, role petitions.Role, data any) error {
	ev, err := event("registered", actor, role, c.now, data)
	if err != nil {
		return err
	}
	if err := c.g.emit.CreatePetition(c.g.ctx, c.p, ev); err != nil {
		return err
	}
	c.version = 1
	c.p.Version = 1
	return nil
}

// step applies transition name and emits the change.
func (c *run) step(name string, actor Person, in petitions.TransitionInput) error {
	in.ActorID = actor.ID
	return c.stepAs(name, actor.Role, in)
}

func (c *run) stepAs(name string, role petitions.Role, in petitions.TransitionInput) error {
	if c.now.After(c.g.cfg.To) {
		return errHorizon
	}
	done, err := c.lc.Apply(c.p, name, role, in, c.now)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", name, c.now.Format(time.DateTime), err)
	}
	ev, err := event("transition", in.ActorID, role, c.now, done)
	if err != nil {
		return err
	}
	if err := c.g.emit.UpdatePetition(c.g.ctx, c.p, c.version, ev); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c.version++
	c.p.Version = c.version
	return nil
}

// chance reports true with probability p.
func (c *run) chance(p float64) bool { return c.g.r.Float64() < p }

// one returns a random element of s.
func one[T any](c *run, s []T) T { return s[c.g.r.IntN(len(s))] }

// newCase builds the record common to both kinds, received at at.
func (g *gen) newCase(kind petitions.Kind, at time.Time) (*run, matter) {
	r := g.r
	c := &run{g: g, now: at, town: r.IntN(len(townships))}
	vil := r.IntN(9)
	vname := townships[c.town].villages[vil]
	c.vname = vname
	cats := petitions.DefaultCategories()
	cat := cats[r.IntN(len(cats))].Code
	m := matters[cat][r.IntN(len(matters[cat]))]
	year := at.In(china).Year()
	g.serial[year]++
	// A UUID version 7 made when the case came in (see petitions.NewID),
	// its random bits from the generator's seed.
	u := make([]byte, 16)
	for i := range u {
		u[i] = byte(r.IntN(256))
	}
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6], u[8] = u[6]&0x0f|0x70, u[8]&0x3f|0x80
	amount := (1 + r.IntN(60)) * 500
	fill := strings.NewReplacer("%s", vname, "%d", strconv.Itoa(amount))
	p := &petitions.Petition{
		ID:         fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]),
		CaseNo:     fmt.Sprintf("%s-%d-%07d", CountyCode, year, g.serial[year]),
		QueryCode:  fmt.Sprintf("%06d", r.IntN(1000000)),
		Kind:       kind,
		Category:   cat,
		Village:    VillageID(c.town, vil),
		ReceivedAt: at,
		RiskLevel: []petitions.RiskLevel{petitions.RiskGreen, petitions.RiskGreen, petitions.RiskGreen,
			petitions.RiskGreen, petitions.RiskYellow, petitions.RiskYellow, petitions.RiskRed}[r.IntN(7)],
	}
	p.MajorUrgent = p.RiskLevel == petitions.RiskRed && r.IntN(3) == 0
	p.Request, p.Facts = fill.Replace(m.request), fill.Replace(m.facts)
	p.SummaryPublic = townships[c.town].name + "群众反映" + cats[indexOf(cats, cat)].Name + "问题"
	p.Parties = []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: personName(r),
		Village: p.Village, Contact: petitions.Contact{Phone: fakePhone(r), Address: townships[c.town].name + vname}}}
	if m.respondent != "" {
		p.Parties = append(p.Parties, petitions.Party{ID: "r1", Side: petitions.SideRespondent, Name: m.respondent,
			Organisation: strings.Contains(m.respondent, "公司") || strings.Contains(m.respondent, "企业") || strings.Contains(m.respondent, "医院") || strings.Contains(m.respondent, "合作社")})
	}
	c.p, g.last = p, p
	return c, m
}

func indexOf(cats []petitions.Category, code string) int {
	for i, c := range cats {
		if c.Code == code {
			return i
		}
	}
	return 0
}

// channel sets the channel, medium, station and filer of a case.
func (c *run) channel(p *petitions.Petition) {
	switch n := c.g.r.IntN(20); {
	case n < 7: // video hearing from the village or township reception room
		p.Channel, p.Medium = petitions.ChannelVisit, petitions.MediumVideo
		p.StationID = StationID(p.Village)
		if n < 3 {
			p.StationID = StationID(TownshipID(c.town))
		}
	case n < 10:
		p.Channel, p.Medium = petitions.ChannelVisit, petitions.MediumInPerson
		p.StationID = StationID(TownshipID(c.town))
	case n < 13:
		p.Channel, p.Medium = petitions.ChannelHotline, petitions.MediumPhone
	case n < 15:
		p.Channel, p.Medium = petitions.ChannelOnline, petitions.MediumWeb
	case n < 16:
		p.Channel = petitions.ChannelLetter
	case n < 18:
		p.Channel, p.Medium = petitions.ChannelPhone, petitions.MediumPhone
	default:
		p.Channel = petitions.ChannelGrid
	}
	if p.Channel == petitions.ChannelVisit && c.chance(0.3) {
		p.ProxyLevel, p.OnBehalfOf = petitions.ProxyVillage, "p1"
		p.FiledBy = "proxy." + p.Village
		p.ConsentRef = "consent/" + p.CaseNo
	}
}

// session records a hearing or mediation session held at the clock's time.
func (c *run) session(kind petitions.SessionKind, n int, host Person, hostRole string, parties ...string) error {
	p := c.p
	if c.now.After(c.g.cfg.To) {
		return errHorizon
	}
	start := c.now.Add(-time.Duration(10+c.g.r.IntN(20)) * time.Minute)
	end := start.Add(time.Duration(15+c.g.r.IntN(75)) * time.Minute)
	station := p.StationID
	if station == "" {
		station = StationID(TownshipID(c.town))
	}
	s := &petitions.Session{
		ID: fmt.Sprintf("ses-%s-%d", p.CaseNo, n), Kind: kind, Room: fmt.Sprintf("%s-%s-%d", kind, p.CaseNo, n),
		Station: station, CaseID: p.ID, ScheduledStart: start.Truncate(30 * time.Minute),
		ScheduledEnd: start.Truncate(30 * time.Minute).Add(time.Hour),
		Start:        start, End: end, Status: petitions.SessionEnded, EndReason: "left",
		Participants: []petitions.SessionParticipant{{Identity: host.ID, Name: host.Name, Role: hostRole,
			Joins: []petitions.Presence{{Joined: start, Left: end, LeaveReason: "left"}}}},
	}
	for _, id := range parties {
		pt, _ := p.Party(id)
		j := start.Add(time.Duration(1+c.g.r.IntN(5)) * time.Minute)
		s.Participants = append(s.Participants, petitions.SessionParticipant{Identity: "party:" + p.CaseNo + ":" + id,
			Name: pt.Name, Role: "villager", Joins: []petitions.Presence{{Joined: j, Left: end.Add(-time.Minute), LeaveReason: "left"}}})
	}
	return c.g.emit.SaveSession(c.g.ctx, s)
}
