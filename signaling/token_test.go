package signaling

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/livekit/protocol/auth"
)

var testKeys = Keys{APIKey: "HRtest", Secret: strings.Repeat("s", 40)}

func TestTokenRoundTrip(t *testing.T) {
	g := Grant{Room: "hearing-1", Identity: "official", Name: "接访领导", Metadata: `{"unit":"fuyu"}`,
		CanPublish: true, CanSubscribe: true, Admin: true}
	tok, err := testKeys.Mint(g, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := testKeys.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Expires.IsZero() || got.Expires.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("expires = %v, want about a minute from now", got.Expires)
	}
	got.Expires = time.Time{}
	if got != g {
		t.Fatalf("grant = %+v, want %+v", got, g)
	}
}

// TestTokenWaiting: a waiting grant travels as the "waiting" attribute with
// canPublish false, and comes back waiting and unable to publish.
func TestTokenWaiting(t *testing.T) {
	tok, err := testKeys.Mint(Grant{Room: "m", Identity: "party", CanPublish: true, CanSubscribe: true, Waiting: true}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, claims, err := mustParse(t, tok).Verify(testKeys.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Attributes["waiting"] != "true" || claims.Video.GetCanPublish() {
		t.Errorf("claims: attributes %v, canPublish %v", claims.Attributes, claims.Video.GetCanPublish())
	}
	g, err := testKeys.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Waiting || g.CanPublish || !g.CanSubscribe {
		t.Errorf("grant = %+v, want waiting, subscribe-only", g)
	}
}

func mustParse(t *testing.T, tok string) *auth.APIKeyTokenVerifier {
	t.Helper()
	v, err := auth.ParseAPIToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTokenHiddenCannotPublish(t *testing.T) {
	tok, err := testKeys.Mint(Grant{Room: "r", Identity: "sup", CanPublish: true, CanSubscribe: true, Hidden: true}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	g, err := testKeys.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if g.CanPublish || !g.Hidden || !g.CanSubscribe {
		t.Fatalf("grant = %+v", g)
	}
}

func TestTokenRefused(t *testing.T) {
	good, err := testKeys.Mint(Grant{Room: "r", Identity: "a", CanSubscribe: true}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	otherSecret := Keys{APIKey: testKeys.APIKey, Secret: strings.Repeat("x", 40)}
	forged, _ := otherSecret.Mint(Grant{Room: "r", Identity: "a"}, time.Minute)
	otherKey := Keys{APIKey: "someone", Secret: testKeys.Secret}
	wrongIssuer, _ := otherKey.Mint(Grant{Room: "r", Identity: "a"}, time.Minute)
	// Expired beyond the one-minute leeway that LiveKit's verifier allows.
	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": testKeys.APIKey, "sub": "a", "nbf": time.Now().Add(-time.Hour).Unix(),
		"exp": time.Now().Add(-2 * time.Minute).Unix(), "video": map[string]any{"roomJoin": true, "room": "r"},
	}).SignedString([]byte(testKeys.Secret))
	noExpiry, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": testKeys.APIKey, "sub": "a", "video": map[string]any{"roomJoin": true, "room": "r"},
	}).SignedString([]byte(testKeys.Secret))
	algNone := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(noExpiry, ".")[1] + "."
	noJoin, _ := auth.NewAccessToken(testKeys.APIKey, testKeys.Secret).SetIdentity("a").
		SetVideoGrant(&auth.VideoGrant{Room: "r"}).SetValidFor(time.Minute).ToJWT()
	badIdentity, _ := auth.NewAccessToken(testKeys.APIKey, testKeys.Secret).SetIdentity("a b/c").
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: "r"}).SetValidFor(time.Minute).ToJWT()
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	for name, tok := range map[string]string{
		"empty": "", "garbage": "not-a-jwt", "forged": forged, "wrong issuer": wrongIssuer,
		"expired": expired, "no expiry": noExpiry, "alg none": algNone, "no roomJoin": noJoin, "bad identity": badIdentity, "tampered": tampered,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := testKeys.Verify(tok); !errors.Is(err, ErrToken) {
				t.Fatalf("Verify = %v, want ErrToken", err)
			}
		})
	}
}

func TestMintRefusesBadIdentity(t *testing.T) {
	for _, id := range []string{"", "a b", "村民", strings.Repeat("a", 65), "a/b"} {
		if _, err := testKeys.Mint(Grant{Room: "r", Identity: id}, time.Minute); !errors.Is(err, ErrToken) {
			t.Errorf("Mint(identity %q) = %v, want ErrToken", id, err)
		}
	}
}
