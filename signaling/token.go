package signaling

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/livekit/protocol/auth"
)

// Grant is what an access token allows: one identity in one room.
type Grant struct {
	Room         string
	Identity     string
	Name         string
	Metadata     string
	CanPublish   bool
	CanSubscribe bool
	Hidden       bool // never announced; cannot publish
	Admin        bool // may mute, remove, move and admit others
	Recorder     bool
	// Waiting puts the participant in the room's waiting room: it joins
	// subscribe-only and publishes once an admin admits it. In the token it
	// is the attribute "waiting": "true" with canPublish false.
	Waiting bool
	// Expires is when the token expires; Verify sets it, Mint ignores it.
	Expires time.Time
}

// waitingAttribute is the token attribute that marks a waiting participant.
const waitingAttribute = "waiting"

// Keys sign and verify access tokens in LiveKit's format (HS256 JWT with a
// "video" grant), so the same tokens serve a LiveKit back-end.
type Keys struct {
	APIKey string
	Secret string
}

// ErrToken wraps every reason a token is refused.
var ErrToken = errors.New("signaling: invalid token")

// identityPattern keeps identities usable as MediaStream ids (RFC 8830 tokens).
var identityPattern = regexp.MustCompile(`^[A-Za-z0-9._~+-]{1,64}$`)

// Mint returns a signed token for g, valid for ttl.
func (k Keys) Mint(g Grant, ttl time.Duration) (string, error) {
	if !identityPattern.MatchString(g.Identity) {
		return "", fmt.Errorf("%w: identity %q: use 1-64 letters, digits or ._~+-", ErrToken, g.Identity)
	}
	if g.Room == "" {
		return "", fmt.Errorf("%w: no room", ErrToken)
	}
	pub, sub := g.CanPublish && !g.Hidden && !g.Waiting, g.CanSubscribe
	vg := &auth.VideoGrant{
		RoomJoin: true, Room: g.Room, RoomAdmin: g.Admin, Hidden: g.Hidden, Recorder: g.Recorder,
		CanPublish: &pub, CanSubscribe: &sub,
	}
	at := auth.NewAccessToken(k.APIKey, k.Secret).
		SetIdentity(g.Identity).SetName(g.Name).SetMetadata(g.Metadata).
		SetVideoGrant(vg).SetValidFor(ttl)
	if g.Waiting && !g.Hidden {
		at.SetAttributes(map[string]string{waitingAttribute: "true"})
	}
	return at.ToJWT()
}

// Verify checks a token's signature, issuer and expiry and returns its grant.
// Every failure wraps ErrToken.
func (k Keys) Verify(token string) (Grant, error) {
	v, err := auth.ParseAPIToken(token)
	if err != nil {
		return Grant{}, fmt.Errorf("%w: malformed: %v", ErrToken, err)
	}
	if v.APIKey() != k.APIKey {
		return Grant{}, fmt.Errorf("%w: unknown api key", ErrToken)
	}
	reg, claims, err := v.Verify(k.Secret)
	if err != nil {
		return Grant{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	vg := claims.Video
	if vg == nil || !vg.RoomJoin || vg.Room == "" {
		return Grant{}, fmt.Errorf("%w: no room join grant", ErrToken)
	}
	if !identityPattern.MatchString(claims.Identity) {
		return Grant{}, fmt.Errorf("%w: bad identity", ErrToken)
	}
	g := Grant{
		Room: vg.Room, Identity: claims.Identity, Name: claims.Name, Metadata: claims.Metadata,
		CanPublish: vg.GetCanPublish() && !vg.Hidden, CanSubscribe: vg.GetCanSubscribe(),
		Hidden: vg.Hidden, Admin: vg.RoomAdmin, Recorder: vg.Recorder,
		Waiting: claims.Attributes[waitingAttribute] == "true" && !vg.Hidden,
	}
	if g.Waiting {
		g.CanPublish = false
	}
	if reg != nil && reg.ExpiresAt != nil {
		g.Expires = reg.ExpiresAt.Time
	}
	return g, nil
}
