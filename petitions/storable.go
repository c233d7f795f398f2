package petitions

import (
	"crypto/sha256"
	"encoding/hex"
)

// CheckStorable returns EINVALID, naming the fields, for a case a store
// cannot key (no ID or case number) or a write without its event. Both
// stores call it before writing a case.
func CheckStorable(p *Petition, ev *Event) error {
	fields := map[string]string{}
	switch {
	case p == nil:
		fields["case"] = "required"
	case p.ID == "":
		fields["id"] = "required"
	case p.CaseNo == "":
		fields["case_no"] = "required"
	}
	if ev == nil {
		fields["event"] = "required"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "The case cannot be stored.", Fields: fields}
	}
	return nil
}

// QueryCodeHash is the hex SHA-256 of a query code, "" for none: stores
// index the hash, never the code.
func QueryCodeHash(code string) string {
	if code == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
