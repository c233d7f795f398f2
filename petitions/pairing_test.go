package petitions

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestPairingCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		code, hash := NewPairingCode()
		if len(code) != PairingCodeLen || !ValidPairingCode(code) {
			t.Fatalf("NewPairingCode = %q, not %d characters of the alphabet", code, PairingCodeLen)
		}
		if strings.ContainsAny(code, "01ILO") {
			t.Fatalf("code %q holds an ambiguous character", code)
		}
		sum := sha256.Sum256([]byte(code))
		if hash != hex.EncodeToString(sum[:]) || hash != HashPairingCode(code) {
			t.Fatalf("hash of %q = %s, want its SHA-256", code, hash)
		}
		if seen[code] {
			t.Fatalf("code %q issued twice", code)
		}
		seen[code] = true
		for _, r := range code {
			counts[r]++
		}
	}
	// 16000 characters over 31: about 516 each; a character never drawn or
	// drawn twice as often would mean a broken sampler.
	for _, r := range PairingAlphabet {
		if n := counts[r]; n < 300 || n > 800 {
			t.Errorf("character %c drawn %d times of 16000", r, n)
		}
	}
}

func TestPairingCodeTyped(t *testing.T) {
	code, hash := NewPairingCode()
	typed := strings.ToLower(code[:4]) + "-" + code[4:] + " "
	if HashPairingCode(typed) != hash || !ValidPairingCode(typed) {
		t.Errorf("the code typed as %q does not match %q", typed, code)
	}
	for _, bad := range []string{"", "ABCD", "ABCDEFGH9", "ABCDEFG0", "ABCDEFGI"} {
		if ValidPairingCode(bad) {
			t.Errorf("ValidPairingCode(%q) = true", bad)
		}
	}
}

func TestPairingDeviceSecret(t *testing.T) {
	secret, hash := NewDeviceSecret()
	b, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(b) != DeviceSecretLen {
		t.Fatalf("secret %q decodes to %d bytes, %v; want %d", secret, len(b), err, DeviceSecretLen)
	}
	sum := sha256.Sum256([]byte(secret))
	if hash != hex.EncodeToString(sum[:]) || HashDeviceSecret(secret) != hash {
		t.Errorf("hash %s is not the SHA-256 of the secret", hash)
	}
	if s2, h2 := NewDeviceSecret(); s2 == secret || h2 == hash {
		t.Errorf("two device secrets are equal")
	}
}
