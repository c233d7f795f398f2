package petitions

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A store keeps, beside each case's document, the columns its worklists
// are queries over (Listing); both adapters compute them with ListingOf in
// the transaction that writes the case, so that they never disagree with
// the document.

// Sorts of ListPetitions (PetitionFilter.Sort). Every sort ends with the
// case id, so that an order is total and a keyset page is exact.
const (
	SortID         = "id"         // id ascending: the default
	SortDue        = "due"        // running deadline ascending, cases without one last
	SortReceived   = "received"   // received newest first (then id descending)
	SortOldest     = "oldest"     // received oldest first (then id ascending): a ledger's own order
	SortRisk       = "risk"       // red, yellow, green, then anything else
	SortSupervised = "supervised" // cases under an open supervision first, then by due
)

// Sorts lists the sorts ListPetitions knows.
func Sorts() []string {
	return []string{SortID, SortDue, SortReceived, SortOldest, SortRisk, SortSupervised}
}

// NoDue is the due key (DueKey) of a case in which no deadline runs: after
// every real deadline.
const NoDue = math.MaxInt64

// kindTimers and kindInactive are the lifecycles' Timers and Inactive
// states as data, for RunningDue and IsActive, which have no Lifecycle.
var (
	kindTimers   = map[Kind]map[State]Step{KindPetition: petitionTimers(), KindMediation: mediationTimers()}
	kindInactive = map[Kind][]State{KindPetition: petitionInactive(), KindMediation: mediationInactive()}
)

// RunningDue returns the instant the deadline running in p's state ends:
// the end of the adjusted day (in its own location) of the deadline
// Lifecycle.Due returns for p's kind — the step the lifecycle's Timers name
// for the state, the extended handling deadline once extended. A case is
// overdue at now exactly when it IsActive and now is not before that
// instant (Lifecycle.Overdue). It reports false when no deadline runs.
func RunningDue(p *Petition) (time.Time, bool) {
	d, ok := runningDeadline(kindTimers[p.Kind], p)
	if !ok {
		return time.Time{}, false
	}
	return endOfDay(d.Adjusted), true
}

// IsActive reports whether work remains on p: its state is not one of its
// lifecycle's inactive states.
func IsActive(p *Petition) bool {
	return !slices.Contains(kindInactive[p.Kind], p.State)
}

// RiskRank orders risk levels for SortRisk: red 0, yellow 1, green 2,
// anything else 3.
func RiskRank(r RiskLevel) int {
	switch r {
	case RiskRed:
		return 0
	case RiskYellow:
		return 1
	case RiskGreen:
		return 2
	}
	return 3
}

// Listing is what a store keeps of a case for its worklists, beside the
// document. Units and Persons go to side tables (one row each).
type Listing struct {
	DueAt      time.Time // RunningDue; zero when none runs
	Active     bool      // IsActive
	Supervised bool      // Petition.Supervised: an open supervision
	Risk       RiskLevel
	RiskRank   int // RiskRank(Risk)
	Category   string
	ReceivedAt time.Time
	Repeat     bool // the case has a LinkRepeat link
	Owner      string
	FiledBy    string
	// Units are the units the case names for access (Scope.Matches): the
	// lead unit, co-units, the units of live assignments and the summoned
	// departments, sorted, without repeats and "". The store adds the
	// origin units, which need the tree: the unit of Station and the unit
	// Village resolves to (by id, else code, else name).
	Units   []string
	Station string
	Village string
	// Persons are the people the case names for Scope.PersonID: every
	// assignment's person, the mediation's candidate and mediators.
	Persons []string
}

// ListingOf returns the worklist columns of p.
func ListingOf(p *Petition) Listing {
	l := Listing{Active: IsActive(p), Supervised: p.Supervised(), Risk: p.RiskLevel, RiskRank: RiskRank(p.RiskLevel),
		Category: p.Category, ReceivedAt: p.ReceivedAt, Owner: p.Owner, FiledBy: p.FiledBy,
		Station: p.StationID, Village: p.Village}
	if due, ok := RunningDue(p); ok {
		l.DueAt = due
	}
	for _, k := range p.Links {
		l.Repeat = l.Repeat || k.Kind == LinkRepeat
	}
	l.Units = cleanSet(append(handlingUnits(p), summonedUnits(p)...))
	var persons []string
	for _, as := range p.Assignments {
		persons = append(persons, as.PersonID)
	}
	if m := p.Mediation; m != nil {
		persons = append(append(persons, m.Candidate), m.MediatorIDs...)
	}
	l.Persons = cleanSet(persons)
	return l
}

// DueKey returns the due sort key: DueAt in Unix microseconds, or NoDue.
func (l Listing) DueKey() int64 {
	if l.DueAt.IsZero() {
		return NoDue
	}
	return l.DueAt.UnixMicro()
}

// cleanSet returns ss sorted, without repeats and "".
func cleanSet(ss []string) []string {
	ss = slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return s == "" })
	slices.Sort(ss)
	return slices.Compact(ss)
}

// Cursor is a decoded keyset position of ListPetitions: the sort keys and
// the id of the last case of a page. Keys are Unix microseconds (due,
// received; NoDue for no deadline) or ranks (risk; 0 for supervised, 1
// otherwise), in the order the sort compares them:
//
//	id          none
//	due         due key
//	received    received at
//	oldest      received at
//	risk        risk rank
//	supervised  0 when supervised else 1, due key
type Cursor struct {
	Sort string
	Keys []int64
	ID   string
}

// SortKeys returns the keys of p under sort (see Cursor).
func SortKeys(p *Petition, sort string) []int64 {
	l := ListingOf(p)
	switch sort {
	case SortDue:
		return []int64{l.DueKey()}
	case SortReceived, SortOldest:
		return []int64{l.ReceivedAt.UnixMicro()}
	case SortRisk:
		return []int64{int64(l.RiskRank)}
	case SortSupervised:
		sup := int64(1)
		if l.Supervised {
			sup = 0
		}
		return []int64{sup, l.DueKey()}
	}
	return nil
}

// CursorOf returns the After that continues a list in sort order after p.
// For SortID (or "") it is p's id, as it always was; for the other sorts
// it is opaque: "c1." and the unpadded base64url of "sort|k1,k2|id".
func CursorOf(p *Petition, sort string) string {
	if sort == "" || sort == SortID {
		return p.ID
	}
	keys := SortKeys(p, sort)
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = strconv.FormatInt(k, 10)
	}
	return "c1." + base64.RawURLEncoding.EncodeToString([]byte(sort+"|"+strings.Join(ks, ",")+"|"+p.ID))
}

// ParseCursor decodes after for sort. For SortID a plain id is taken as
// is (and an encoded id cursor too); for the others after must be a cursor
// CursorOf made for the same sort, or EINVALID. An empty after is the
// start: a Cursor with no keys.
func ParseCursor(sort, after string) (Cursor, error) {
	if sort == "" {
		sort = SortID
	}
	if !slices.Contains(Sorts(), sort) {
		return Cursor{}, invalidField("sort", "must be one of "+strings.Join(Sorts(), ", "))
	}
	c := Cursor{Sort: sort}
	if after == "" {
		return c, nil
	}
	rest, encoded := strings.CutPrefix(after, "c1.")
	if !encoded {
		if sort != SortID {
			return Cursor{}, invalidField("after", "is not a cursor of this sort")
		}
		c.ID = after
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 3 || parts[0] != sort || parts[2] == "" {
		return Cursor{}, invalidField("after", "is not a cursor of this sort")
	}
	c.ID = parts[2]
	if parts[1] != "" {
		for _, k := range strings.Split(parts[1], ",") {
			n, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				return Cursor{}, invalidField("after", "is not a cursor of this sort")
			}
			c.Keys = append(c.Keys, n)
		}
	}
	if want := len(SortKeys(&Petition{}, sort)); len(c.Keys) != want {
		return Cursor{}, invalidField("after", "is not a cursor of this sort")
	}
	return c, nil
}

// invalidField returns an EINVALID *Error for one field.
func invalidField(field, problem string) *Error {
	e := Errorf(EINVALID, "The list query is not valid.")
	e.Fields = map[string]string{field: problem}
	return e
}
