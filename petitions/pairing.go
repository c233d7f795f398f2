package petitions

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// A terminal is enrolled with a one-time pairing code: an administrator asks
// for one for a station, reads it to the person at the terminal, who types
// it in; the terminal then receives a device credential (a secret) that it
// presents from then on. The store keeps only SHA-256 hashes of both, so a
// copy of the database enrols nothing and signs nothing in.

// PairingAlphabet holds the characters of a pairing code: digits and upper
// case letters without those easily confused when read aloud or on a screen
// (0/O, 1/I/L).
const PairingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// PairingCodeLen is the length of a pairing code: 31^8, about 8.5·10^11
// codes, against an attacker whose guesses the web layer rate-limits and who
// has PairingTTL to guess in.
const PairingCodeLen = 8

// PairingTTL is how long a pairing code may be redeemed after it is issued.
const PairingTTL = 15 * time.Minute

// NewPairingCode returns a fresh random pairing code and the hash to store
// (HashPairingCode of the code).
func NewPairingCode() (code string, hash string) {
	// Rejection sampling keeps every character equally likely: bytes at or
	// above the largest multiple of len(PairingAlphabet) are thrown away.
	const n = byte(len(PairingAlphabet))
	limit := 256 - 256%int(n)
	b := make([]byte, PairingCodeLen)
	buf := make([]byte, 2*PairingCodeLen)
	for i := 0; i < PairingCodeLen; {
		rand.Read(buf) // never fails (crypto/rand)
		for _, c := range buf {
			if int(c) < limit && i < PairingCodeLen {
				b[i] = PairingAlphabet[c%n]
				i++
			}
		}
	}
	code = string(b)
	return code, HashPairingCode(code)
}

// NormalizePairingCode returns code as typed by a person reduced to the form
// it was issued in: upper case, without spaces or dashes.
func NormalizePairingCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// ValidPairingCode reports whether code, normalized, has the shape of a
// pairing code.
func ValidPairingCode(code string) bool {
	code = NormalizePairingCode(code)
	if len(code) != PairingCodeLen {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune(PairingAlphabet, r) {
			return false
		}
	}
	return true
}

// HashPairingCode returns the hex SHA-256 of the normalized code: what the
// store keeps and looks a pairing up by.
func HashPairingCode(code string) string {
	return sha256Hex(NormalizePairingCode(code))
}

// DeviceSecretLen is the number of random bytes in a device credential.
const DeviceSecretLen = 32

// NewDeviceSecret returns a fresh device credential — 32 random bytes in
// unpadded base64url — and the hash to store (HashDeviceSecret of it). The
// secret is given to the terminal once and never stored.
func NewDeviceSecret() (secret, hash string) {
	b := make([]byte, DeviceSecretLen)
	rand.Read(b) // never fails (crypto/rand)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashDeviceSecret(secret)
}

// HashDeviceSecret returns the hex SHA-256 of secret: what the store keeps
// and looks a terminal up by. The secret has 256 bits of entropy, so a plain
// hash suffices where a password needs argon2id.
func HashDeviceSecret(secret string) string {
	return sha256Hex(secret)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
