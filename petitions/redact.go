package petitions

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Redacted returns a deep copy of p fit for a reader who may read the case
// but not its parties' personal data (AccessDecision.Redact); p is not
// changed. In the copy:
//
//   - every party's Contact (ID number, phone, address) is empty; this also
//     covers the representatives, who are parties;
//   - a person's name is Masked, and a petitioner's name in an anonymous case
//     is empty; an organisation keeps its name;
//   - every original contact value and full name of a person, wherever it
//     occurs in the case's text (request, facts, reasons, reply, agreement,
//     follow-ups…), is replaced by asterisks, and so is any mainland ID
//     number or mobile number standing alone in a text;
//   - the query code is empty, and attachments that are not redacted copies
//     (RedactedOf) are dropped;
//   - ids, dates, states, units and the public summary are kept.
func Redacted(p *Petition) *Petition {
	c := p.Clone()
	var needles []string
	for i := range c.Parties {
		pt := &c.Parties[i]
		for _, v := range []string{pt.Contact.IDNumber, pt.Contact.Phone, pt.Contact.Address} {
			if strings.TrimSpace(v) != "" {
				needles = append(needles, v)
			}
		}
		pt.Contact = Contact{}
		if pt.Organisation {
			continue
		}
		if utf8.RuneCountInString(pt.Name) >= 2 {
			needles = append(needles, pt.Name)
		}
		if c.Anonymous && pt.Side == SidePetitioner {
			pt.Name = ""
		} else {
			pt.Name = Masked(pt.Name)
		}
	}
	// Longest first, so that a name inside an address goes with the address.
	slices.SortFunc(needles, func(a, b string) int { return len(b) - len(a) })
	c.QueryCode = ""
	var kept []Attachment
	for _, at := range c.Attachments {
		if at.RedactedOf != "" {
			kept = append(kept, at)
		}
	}
	c.Attachments = kept
	scrubStrings(reflect.ValueOf(c).Elem(), needles)
	return c
}

// Masked returns name for display with all but its first character replaced
// by asterisks: 张三 → 张*, 欧阳娜娜 → 欧***. A one-character name becomes
// "*"; an empty name stays empty.
func Masked(name string) string {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	switch n {
	case 0:
		return ""
	case 1:
		return "*"
	}
	first, size := utf8.DecodeRuneInString(name)
	if first == utf8.RuneError && size <= 1 {
		return strings.Repeat("*", n)
	}
	return string(first) + strings.Repeat("*", n-1)
}

// piiPattern finds candidates for a mainland resident ID number (18
// characters, the last possibly X) and a mobile number (11 digits from 13…
// to 19…); scrub keeps only those that stand alone (see standsAlone).
var piiPattern = regexp.MustCompile(`\d{17}[\dXx]|1[3-9]\d{9}`)

// timeType is skipped by scrubStrings: its fields are not text.
var timeType = reflect.TypeFor[time.Time]()

// scrubStrings replaces, in every settable string reachable from v through
// structs, pointers and slices, each needle and each standalone ID or mobile
// number by asterisks. Maps are left alone: the case's only map (Deadlines)
// holds no text about people.
func scrubStrings(v reflect.Value, needles []string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(scrub(v.String(), needles))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			scrubStrings(v.Elem(), needles)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scrubStrings(v.Index(i), needles)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scrubStrings(v.Field(i), needles)
			}
		}
	}
}

// scrub returns s with each needle, and each standalone ID or mobile number,
// replaced by as many asterisks as it has characters.
func scrub(s string, needles []string) string {
	for _, n := range needles {
		if strings.Contains(s, n) {
			s = strings.ReplaceAll(s, n, strings.Repeat("*", utf8.RuneCountInString(n)))
		}
	}
	locs := piiPattern.FindAllStringIndex(s, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		from, to := locs[i][0], locs[i][1]
		if standsAlone(s, from, to) {
			s = s[:from] + strings.Repeat("*", to-from) + s[to:]
		}
	}
	return s
}

// standsAlone reports whether s[from:to] is not part of a longer run of
// letters, digits, '-' or '_': a number inside an id, a hash or a case
// number is not personal data.
func standsAlone(s string, from, to int) bool {
	word := func(r rune) bool {
		return r == '-' || r == '_' || r < utf8.RuneSelf && (r >= '0' && r <= '9' || r|0x20 >= 'a' && r|0x20 <= 'z')
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:from]); from > 0 && word(r) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[to:]); to < len(s) && word(r) {
		return false
	}
	return true
}
