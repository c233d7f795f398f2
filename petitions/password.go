package petitions

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new password hashes. They follow RFC 9106's second
// recommended option (64 MiB of memory, 3 passes) with 2 lanes, which costs
// about 0.2 s on a two-core machine (measured 2026-11): slow and memory-hard
// for an attacker holding the table, bearable for a sign-in, and with
// SignInLimiter in front, no lever for exhausting the server's memory. Each
// hash carries its own parameters, so these can be raised later: CheckPassword
// then reports needsRehash for the older hashes and the caller stores a new
// one at the next sign-in.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 3
	argonThreads = 2
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds of what a stored hash may ask for, so that a corrupted or planted
// hash string cannot make CheckPassword allocate gigabytes or spin.
const (
	maxArgonMemory = 1024 * 1024 // KiB: 1 GiB
	maxArgonTime   = 32
	minSaltLen     = 8
	minKeyLen      = 16
	maxKeyLen      = 64
)

// Password length limits, counted in characters.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// commonPasswords are refused whatever their length: the ten-character-plus
// passwords that top leaked-password lists here and abroad. Compared in lower
// case.
var commonPasswords = map[string]bool{
	"1234567890": true, "12345678910": true, "123456789a": true, "0123456789": true,
	"1111111111": true, "0000000000": true, "8888888888": true, "1234512345": true,
	"password12": true, "password123": true, "passw0rd123": true, "qwertyuiop": true,
	"1qaz2wsx3edc": true, "qwerty123456": true, "a123456789": true, "abc1234567": true,
	"abcd123456": true, "woaini1314": true, "iloveyou12": true, "admin12345": true,
	"admin123456": true, "administrator": true, "1q2w3e4r5t": true, "zxcvbnm123": true,
}

// ErrPasswordHash is wrapped by the error CheckPassword returns for a hash
// string it cannot read.
var ErrPasswordHash = errors.New("petitions: malformed password hash")

// HashPassword returns an argon2id hash of pw in PHC string format,
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key> (unpadded standard base64),
// with a fresh random 16-byte salt. It returns EINVALID, with a message for
// the field "password", if pw is shorter than MinPasswordLen or longer than
// MaxPasswordLen characters, or is a common password.
func HashPassword(pw string) (string, error) {
	if err := checkNewPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails (crypto/rand)
	return encodeHash(argonParams{argonMemory, argonTime, argonThreads}, salt,
		argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)), nil
}

func checkNewPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	msg := ""
	switch {
	case n < MinPasswordLen:
		msg = fmt.Sprintf("must have at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		msg = fmt.Sprintf("must have at most %d characters", MaxPasswordLen)
	case commonPasswords[strings.ToLower(pw)]:
		msg = "is too common; choose another"
	}
	if msg == "" {
		return nil
	}
	return &Error{Code: EINVALID, Message: "The password is not acceptable.", Fields: map[string]string{"password": msg}}
}

// CheckPassword reports whether pw matches hash, a string HashPassword
// returned (with whatever parameters it carries), comparing the keys in
// constant time. needsRehash is set when ok and the hash was made with other
// parameters than HashPassword uses now: store a new hash of pw. It returns
// an EINTERNAL error wrapping ErrPasswordHash if hash cannot be read or asks
// for parameters out of bounds.
func CheckPassword(hash, pw string) (ok bool, needsRehash bool, err error) {
	p, salt, key, err := decodeHash(hash)
	if err != nil {
		return false, false, err
	}
	if utf8.RuneCountInString(pw) > MaxPasswordLen {
		return false, false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	current := p == argonParams{argonMemory, argonTime, argonThreads} &&
		len(salt) == argonSaltLen && len(key) == argonKeyLen
	return true, !current, nil
}

// argonParams are the cost parameters a hash string carries.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

var b64 = base64.RawStdEncoding

func encodeHash(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodeHash(s string) (p argonParams, salt, key []byte, err error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: %w: %s", Errorf(EINTERNAL, "A stored password hash is unreadable."), ErrPasswordHash, why)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, bad("not an argon2id PHC string")
	}
	var v int
	if n, e := fmt.Sscanf(parts[2], "v=%d", &v); n != 1 || e != nil || parts[2] != fmt.Sprintf("v=%d", v) || v != argon2.Version {
		return p, nil, nil, bad("unsupported version " + parts[2])
	}
	var m, t, th uint32
	if n, e := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); n != 3 || e != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) {
		return p, nil, nil, bad("bad parameters " + parts[3])
	}
	if m < 8*th || m > maxArgonMemory || t < 1 || t > maxArgonTime || th < 1 || th > 255 {
		return p, nil, nil, bad("parameters out of bounds " + parts[3])
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil || len(salt) < minSaltLen {
		return p, nil, nil, bad("bad salt")
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, bad("bad key")
	}
	return argonParams{m, t, uint8(th)}, salt, key, nil
}
