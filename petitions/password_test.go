package petitions

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestPasswordRoundTrip(t *testing.T) {
	const pw = "春天的石桥村2026"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q lacks the PHC prefix with the current parameters", h)
	}
	p, salt, key, err := decodeHash(h)
	if err != nil || p != (argonParams{argonMemory, argonTime, argonThreads}) || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("decodeHash(%q) = %+v, %d-byte salt, %d-byte key, %v", h, p, len(salt), len(key), err)
	}
	ok, rehash, err := CheckPassword(h, pw)
	if !ok || rehash || err != nil {
		t.Errorf("CheckPassword(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, rehash, err = CheckPassword(h, pw+"x")
	if ok || rehash || err != nil {
		t.Errorf("CheckPassword(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	h2, err := HashPassword(pw)
	if err != nil || h2 == h {
		t.Errorf("two hashes of one password are equal (%v): the salt is not random", err)
	}
}

func TestPasswordRefused(t *testing.T) {
	for _, pw := range []string{"", "short", "123456789", "1234567890", "QWERTYUIOP", "Password123"} {
		_, err := HashPassword(pw)
		if ErrorCode(err) != EINVALID || ErrorFields(err)["password"] == "" {
			t.Errorf("HashPassword(%q) = %v; want EINVALID with a password field message", pw, err)
		}
	}
	if _, err := HashPassword(strings.Repeat("长", MaxPasswordLen+1)); ErrorCode(err) != EINVALID {
		t.Errorf("HashPassword(too long) = %v; want EINVALID", err)
	}
}

// cheap returns a hash of pw with small parameters, as an older (or a
// future) version of HashPassword might have made it.
func cheap(pw string, m, tm uint32, p uint8) string {
	salt := []byte("0123456789abcdef")
	return encodeHash(argonParams{m, tm, p}, salt, argon2.IDKey([]byte(pw), salt, tm, m, p, 32))
}

func TestPasswordParameters(t *testing.T) {
	h := cheap("correct horse battery", 1024, 1, 1)
	if want := "$argon2id$v=19$m=1024,t=1,p=1$"; !strings.HasPrefix(h, want) {
		t.Fatalf("hash %q, want prefix %q", h, want)
	}
	ok, rehash, err := CheckPassword(h, "correct horse battery")
	if !ok || !rehash || err != nil {
		t.Errorf("CheckPassword(old parameters) = %v, %v, %v; want true, true (rehash), nil", ok, rehash, err)
	}
	ok, rehash, err = CheckPassword(h, "correct horse batterz")
	if ok || rehash || err != nil {
		t.Errorf("CheckPassword(old parameters, wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	p, _, _, err := decodeHash("$argon2id$v=19$m=2048,t=4,p=3$MDEyMzQ1Njc4OWFiY2RlZg$" + strings.Repeat("A", 43))
	if err != nil || p != (argonParams{2048, 4, 3}) {
		t.Errorf("decodeHash = %+v, %v; want m=2048 t=4 p=3", p, err)
	}
}

func TestPasswordTampered(t *testing.T) {
	const pw = "correct horse battery"
	h := cheap(pw, 1024, 1, 1)
	parts := strings.Split(h, "$")

	// A changed key or salt is a wrong password, not an error.
	key := []byte(parts[5])
	key[3] ^= 'A' ^ 'B'
	if key[3] == parts[5][3] {
		key[3] = 'C'
	}
	for what, s := range map[string]string{
		"key":  strings.Join(append(parts[:5:5], string(key)), "$"),
		"salt": strings.Join(append(parts[:4:4], "MDEyMzQ1Njc4OWFiY2RlZA", parts[5]), "$"),
	} {
		if ok, _, err := CheckPassword(s, pw); ok || err != nil {
			t.Errorf("CheckPassword(tampered %s) = %v, %v; want false, nil", what, ok, err)
		}
	}

	// A string that is not a hash we can read is an error.
	for _, s := range []string{
		"",
		"plaintext password",
		strings.Replace(h, "argon2id", "argon2i", 1),
		strings.Replace(h, "v=19", "v=16", 1),
		strings.Replace(h, "m=1024,t=1,p=1", "m=1024,t=1", 1),
		strings.Replace(h, "m=1024", "m=4194304", 1), // 4 GiB
		strings.Replace(h, "t=1", "t=0", 1),
		strings.Replace(h, "p=1", "p=0", 1),
		strings.Replace(h, "m=1024", "m=+1024", 1),
		strings.Join(append(parts[:4:4], "!!", parts[5]), "$"),
		strings.Join(append(parts[:4:4], "MDEy", parts[5]), "$"), // 3-byte salt
		strings.Join(append(parts[:5:5], parts[5][:10]), "$"),    // short key
		h + "$",
	} {
		ok, rehash, err := CheckPassword(s, pw)
		if ok || rehash || !errors.Is(err, ErrPasswordHash) || ErrorCode(err) != EINTERNAL {
			t.Errorf("CheckPassword(%q) = %v, %v, %v; want an EINTERNAL ErrPasswordHash", s, ok, rehash, err)
		}
	}
}

// TestPasswordConstantTime checks that CheckPassword compares keys with
// crypto/subtle and that nothing in password.go compares bytes otherwise.
func TestPasswordConstantTime(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "password.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var subtleCalls int
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				switch id.Name + "." + sel.Sel.Name {
				case "subtle.ConstantTimeCompare":
					subtleCalls++
				case "bytes.Equal", "bytes.Compare", "reflect.DeepEqual", "slices.Equal":
					t.Errorf("password.go compares with %s.%s, which is not constant-time", id.Name, sel.Sel.Name)
				}
			}
		}
		return true
	})
	if subtleCalls != 1 {
		t.Errorf("password.go calls subtle.ConstantTimeCompare %d times, want 1 (in CheckPassword)", subtleCalls)
	}
}
