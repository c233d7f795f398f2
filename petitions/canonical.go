package petitions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The canonical content of an event (version 1) is the byte string that the
// history's hashes are computed over. It covers every field of an Event except
// the four hash fields (PrevHash, CasePrevHash, Hash, CaseHash); the previous
// hashes enter the digest as a prefix instead (see ChainHash). It is a JSON
// object, UTF-8, with no whitespace outside strings and exactly these members
// in exactly this order:
//
//	{"seq":S,"case_seq":C,"case_id":I,"kind":K,"actor":A,"actor_role":R,"at":T,"data":D}
//
//   - S and C are Seq and CaseSeq as base-10 integers: no sign for
//     non-negative values, no leading zeros, no exponent.
//   - I, K, A and R are CaseID, Kind, Actor and ActorRole as JSON strings.
//   - T is At in UTC as a JSON string in the layout
//     2006-01-02T15:04:05.000000000Z: always nine fraction digits, always "Z".
//   - D is Data re-encoded canonically (see CanonicalJSON).
//
// Strings (members above, and keys and values inside D) are written as in
// RFC 8785 section 3.2.2.2: '"' and '\' as \" and \\; U+0008, U+0009, U+000A,
// U+000C and U+000D as \b, \t, \n, \f and \r; every other character below
// U+0020 as \u00xx with lowercase hex digits; every other character, U+007F
// and non-ASCII included, as its literal UTF-8 bytes. Text that is not valid
// UTF-8 has no canonical form.
//
// Two events have the same canonical content exactly when they agree on all
// eight fields (At compared as an instant, Data as a JSON value with numbers
// compared by their text), so any change to any of them changes the hashes.

// canonTimeLayout is the layout of "at" in the canonical content.
const canonTimeLayout = "2006-01-02T15:04:05.000000000Z"

// Canonical returns the canonical content of e (see above). It fails, with an
// error wrapping ErrChain, if a string field is not valid UTF-8, if At is
// outside the years 0001 to 9999, or if Data has no canonical form.
func (e *Event) Canonical() ([]byte, error) {
	return appendCanonicalEvent(make([]byte, 0, 256+len(e.Data)), e, new(canonicalizer))
}

// appendCanonicalEvent appends the canonical content of e to buf, using c's
// scratch space.
func appendCanonicalEvent(buf []byte, e *Event, c *canonicalizer) ([]byte, error) {
	for _, f := range [...]struct{ name, v string }{
		{"case_id", e.CaseID}, {"kind", e.Kind}, {"actor", e.Actor}, {"actor_role", e.ActorRole},
	} {
		if !utf8.ValidString(f.v) {
			return nil, fmt.Errorf("%w: %s is not valid UTF-8", ErrChain, f.name)
		}
	}
	at := e.At.UTC()
	if y := at.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("%w: at %v is outside the years 0001-9999", ErrChain, e.At)
	}
	buf = append(buf, `{"seq":`...)
	buf = strconv.AppendInt(buf, e.Seq, 10)
	buf = append(buf, `,"case_seq":`...)
	buf = strconv.AppendInt(buf, e.CaseSeq, 10)
	buf = append(buf, `,"case_id":`...)
	buf = appendCanonString(buf, e.CaseID)
	buf = append(buf, `,"kind":`...)
	buf = appendCanonString(buf, e.Kind)
	buf = append(buf, `,"actor":`...)
	buf = appendCanonString(buf, e.Actor)
	buf = append(buf, `,"actor_role":`...)
	buf = appendCanonString(buf, e.ActorRole)
	buf = append(buf, `,"at":`...)
	buf = appendCanonTime(buf, at)
	buf = append(buf, `,"data":`...)
	buf, err := c.appendJSON(buf, e.Data)
	if err != nil {
		return nil, err
	}
	return append(buf, '}'), nil
}

// appendCanonTime appends t, which is in UTC and within the years 1 to 9999,
// as a JSON string in canonTimeLayout; by hand, as time.Time.AppendFormat
// would be a fifth of the cost of the whole canonical content.
func appendCanonTime(buf []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	buf = append(buf, '"')
	buf = append(appendCanonDigits(buf, year, 4), '-')
	buf = append(appendCanonDigits(buf, int(month), 2), '-')
	buf = append(appendCanonDigits(buf, day, 2), 'T')
	buf = append(appendCanonDigits(buf, hour, 2), ':')
	buf = append(appendCanonDigits(buf, minute, 2), ':')
	buf = append(appendCanonDigits(buf, sec, 2), '.')
	buf = appendCanonDigits(buf, t.Nanosecond(), 9)
	return append(buf, 'Z', '"')
}

// appendCanonDigits appends the n low decimal digits of v >= 0, zero-padded.
func appendCanonDigits(buf []byte, v, n int) []byte {
	start := len(buf)
	buf = append(buf, "000000000"[:n]...)
	for i := len(buf) - 1; i >= start; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return buf
}

// ChainHash returns the link of a hash chain: the lowercase hexadecimal
// SHA-256 digest of prevHash, taken as its ASCII bytes (64 lowercase hex
// digits, or nothing at the start of a chain), followed by canonical.
func ChainHash(prevHash string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// CanonicalJSON returns the canonical form of data, which must be one JSON
// object (RFC 8259) in valid UTF-8, optionally surrounded by whitespace. The
// canonical form has no whitespace outside strings; the members of every
// object are sorted by key, comparing the keys' UTF-8 bytes (code point
// order, which differs from RFC 8785's UTF-16 order only between characters
// U+E000-U+FFFF and characters above U+FFFF); array order is kept; strings
// are unescaped and written as described for the canonical content; numbers
// are kept exactly as written (1, 1.0 and 1e0 stay distinct); true, false and
// null are kept. So the same object in any key order, spacing or choice of
// escapes ("\u00e9" or "é") has one canonical form, and objects that differ in
// any value do not.
//
// CanonicalJSON fails, with an error wrapping ErrChain, on anything but one
// well-formed object, on a key repeated within one object, and on a \u escape
// of a lone surrogate (U+D800-U+DFFF not forming a pair): those have no single
// meaning, so they have no canonical form. It also refuses arrays and objects
// nested more than 1000 deep.
func CanonicalJSON(data []byte) ([]byte, error) {
	var c canonicalizer
	return c.appendJSON(make([]byte, 0, len(data)), data)
}

// canonMaxDepth bounds the nesting of arrays and objects in Data.
const canonMaxDepth = 1000

// A canonicalizer holds the scratch space of CanonicalJSON so that Verify can
// reuse it from event to event. Its parser is strict RFC 8259; it is written
// out rather than built on encoding/json, whose tokenizer cost Verify three
// times its whole budget per event.
type canonicalizer struct {
	in      []byte
	pos     int
	depth   int
	members []canonMember // a stack: the members of the objects being read
	decoded []byte        // append-only during one call: strings with escapes, decoded
	tmp     []byte        // where an unsorted object is copied to be reordered
}

// A canonMember is an object member already written to the output, at
// out[start:end] (its key, a colon and its value); key is its decoded key.
type canonMember struct {
	key        []byte
	start, end int
}

func (c *canonicalizer) appendJSON(buf, data []byte) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: data is not valid UTF-8", ErrChain)
	}
	c.in, c.pos, c.depth, c.members, c.decoded = data, 0, 0, c.members[:0], c.decoded[:0]
	c.skipSpace()
	if c.pos == len(c.in) || c.in[c.pos] != '{' {
		return nil, fmt.Errorf("%w: data is not a JSON object", ErrChain)
	}
	buf, err := c.value(buf)
	if err == nil {
		if c.skipSpace(); c.pos != len(c.in) {
			err = c.errorf("content after the object")
		}
	}
	c.in = nil
	if err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrChain, err)
	}
	return buf, nil
}

func (c *canonicalizer) errorf(format string, args ...any) error {
	return fmt.Errorf("byte %d: "+format, append([]any{c.pos}, args...)...)
}

func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at c.pos.
func (c *canonicalizer) value(out []byte) ([]byte, error) {
	c.skipSpace()
	if c.pos == len(c.in) {
		return nil, c.errorf("unexpected end")
	}
	switch ch := c.in[c.pos]; {
	case ch == '{':
		return c.object(out)
	case ch == '[':
		return c.array(out)
	case ch == '"':
		return c.str(out)
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number(out)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(c.in[c.pos:], []byte(lit)) {
			c.pos += len(lit)
			return append(out, lit...), nil
		}
	}
	return nil, c.errorf("unexpected %q", c.in[c.pos])
}

func (c *canonicalizer) enter() error {
	if c.depth++; c.depth > canonMaxDepth {
		return c.errorf("nested deeper than %d", canonMaxDepth)
	}
	c.pos++
	c.skipSpace()
	return nil
}

func (c *canonicalizer) array(out []byte) ([]byte, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	out = append(out, '[')
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.depth--
		return append(out, ']'), nil
	}
	for {
		var err error
		if out, err = c.value(out); err != nil {
			return nil, err
		}
		c.skipSpace()
		switch {
		case c.pos == len(c.in):
			return nil, c.errorf("unexpected end in array")
		case c.in[c.pos] == ',':
			c.pos++
			out = append(out, ',')
		case c.in[c.pos] == ']':
			c.pos++
			c.depth--
			return append(out, ']'), nil
		default:
			return nil, c.errorf("want , or ] in array")
		}
	}
}

// object writes the members in the order read, then reorders them by key if
// they were not already in order (stored Data, being canonical, is).
func (c *canonicalizer) object(out []byte) ([]byte, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	base, start := len(c.members), len(out)
	out = append(out, '{')
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.depth--
		return append(out, '}'), nil
	}
	sorted := true
	for {
		if c.pos == len(c.in) || c.in[c.pos] != '"' {
			return nil, c.errorf("want a string key")
		}
		if len(c.members) > base {
			out = append(out, ',')
		}
		m := canonMember{start: len(out)}
		var err error
		if out, m.key, err = c.strKey(out); err != nil {
			return nil, err
		}
		if c.skipSpace(); c.pos == len(c.in) || c.in[c.pos] != ':' {
			return nil, c.errorf("want : after a key")
		}
		c.pos++
		out = append(out, ':')
		if out, err = c.value(out); err != nil {
			return nil, err
		}
		m.end = len(out)
		if n := len(c.members); n > base && bytes.Compare(c.members[n-1].key, m.key) >= 0 {
			sorted = false
		}
		c.members = append(c.members, m)
		c.skipSpace()
		if c.pos < len(c.in) && c.in[c.pos] == ',' {
			c.pos++
			c.skipSpace()
			continue
		}
		if c.pos < len(c.in) && c.in[c.pos] == '}' {
			c.pos++
			break
		}
		return nil, c.errorf("want , or } in object")
	}
	c.depth--
	members := c.members[base:]
	c.members = c.members[:base]
	out = append(out, '}')
	if sorted {
		return out, nil
	}
	slices.SortFunc(members, func(a, b canonMember) int { return bytes.Compare(a.key, b.key) })
	for i := 1; i < len(members); i++ {
		if bytes.Equal(members[i-1].key, members[i].key) {
			return nil, fmt.Errorf("key %q repeated in one object", members[i].key)
		}
	}
	c.tmp = append(c.tmp[:0], out[start:]...)
	out = append(out[:start], '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, c.tmp[m.start-start:m.end-start]...)
	}
	return append(out, '}'), nil
}

func (c *canonicalizer) str(out []byte) ([]byte, error) {
	out, _, err := c.strKey(out)
	return out, err
}

// strKey appends the canonical form of the string at c.pos and returns its
// decoded bytes: a slice of the input when it has no escapes.
func (c *canonicalizer) strKey(out []byte) ([]byte, []byte, error) {
	c.pos++ // the opening quote
	start := c.pos
	for c.pos < len(c.in) {
		switch ch := c.in[c.pos]; {
		case ch == '"':
			// Without escapes or control characters the text is canonical.
			s := c.in[start:c.pos]
			c.pos++
			out = append(out, '"')
			out = append(out, s...)
			return append(out, '"'), s, nil
		case ch == '\\':
			return c.escapedStr(out, start)
		case ch < 0x20:
			return nil, nil, c.errorf("control character in a string")
		}
		c.pos++
	}
	return nil, nil, c.errorf("unterminated string")
}

// escapedStr finishes a string from its first escape on, decoding it onto
// c.decoded; the slice it returns stays valid however c.decoded grows.
func (c *canonicalizer) escapedStr(out []byte, start int) ([]byte, []byte, error) {
	from := len(c.decoded)
	dec := append(c.decoded, c.in[start:c.pos]...)
	defer func() { c.decoded = dec }()
	for c.pos < len(c.in) {
		ch := c.in[c.pos]
		switch {
		case ch == '"':
			c.pos++
			return appendCanonString(out, dec[from:]), dec[from:len(dec):len(dec)], nil
		case ch < 0x20:
			return nil, nil, c.errorf("control character in a string")
		case ch != '\\':
			dec = append(dec, ch)
			c.pos++
			continue
		}
		if c.pos+1 == len(c.in) {
			break
		}
		esc := c.in[c.pos+1]
		c.pos += 2
		switch esc {
		case '"', '\\', '/':
			dec = append(dec, esc)
		case 'b':
			dec = append(dec, '\b')
		case 'f':
			dec = append(dec, '\f')
		case 'n':
			dec = append(dec, '\n')
		case 'r':
			dec = append(dec, '\r')
		case 't':
			dec = append(dec, '\t')
		case 'u':
			r, ok := canonHex4(c.in[c.pos:])
			if !ok {
				return nil, nil, c.errorf(`bad \u escape`)
			}
			c.pos += 4
			if r >= 0xd800 && r < 0xdc00 && len(c.in) >= c.pos+6 && c.in[c.pos] == '\\' && c.in[c.pos+1] == 'u' {
				if lo, ok := canonHex4(c.in[c.pos+2:]); ok && lo >= 0xdc00 && lo <= 0xdfff {
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
					c.pos += 6
				}
			}
			if r >= 0xd800 && r <= 0xdfff {
				return nil, nil, c.errorf("lone surrogate escape")
			}
			dec = utf8.AppendRune(dec, r)
		default:
			return nil, nil, c.errorf("bad escape \\%c", esc)
		}
	}
	return nil, nil, c.errorf("unterminated string")
}

// number copies the number at c.pos, checking the RFC 8259 grammar:
// -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
func (c *canonicalizer) number(out []byte) ([]byte, error) {
	start := c.pos
	digits := func() int {
		n := 0
		for c.pos < len(c.in) && c.in[c.pos] >= '0' && c.in[c.pos] <= '9' {
			c.pos++
			n++
		}
		return n
	}
	if c.in[c.pos] == '-' {
		c.pos++
	}
	if c.pos < len(c.in) && c.in[c.pos] == '0' {
		c.pos++
	} else if digits() == 0 {
		return nil, c.errorf("bad number")
	}
	if c.pos < len(c.in) && c.in[c.pos] == '.' {
		c.pos++
		if digits() == 0 {
			return nil, c.errorf("bad number")
		}
	}
	if c.pos < len(c.in) && (c.in[c.pos] == 'e' || c.in[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.in) && (c.in[c.pos] == '+' || c.in[c.pos] == '-') {
			c.pos++
		}
		if digits() == 0 {
			return nil, c.errorf("bad number")
		}
	}
	return append(out, c.in[start:c.pos]...), nil
}

// canonHex4 decodes the four hex digits at the start of b.
func canonHex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, ch := range b[:4] {
		switch {
		case ch >= '0' && ch <= '9':
			r = r<<4 | rune(ch-'0')
		case ch >= 'a' && ch <= 'f':
			r = r<<4 | rune(ch-'a'+10)
		case ch >= 'A' && ch <= 'F':
			r = r<<4 | rune(ch-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendCanonString appends s as a canonical JSON string (RFC 8785 3.2.2.2).
// s must be valid UTF-8.
func appendCanonString[S ~string | ~[]byte](buf []byte, s S) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
