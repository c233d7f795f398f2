package recordings_test

import (
	"time"

	"testing"

	"hearingroom/media"
)

// A station's room is recorded while a hearing is held in it, not while
// its kiosk keeps watch: the recording starts when the official who asks
// for it joins, stops when the hearing's last seat leaves although the
// watch and a leader on the wall stay, and starts again with the next
// hearing.
func TestRecordingFollowsTheHearing(t *testing.T) {
	m, _ := newManager(t, t.TempDir())
	room := "reception.st-shiqiao"
	watch := media.Participant{Identity: "terminal.k1", Metadata: `{"kind":"monitoring"}`}
	kiosk := media.Participant{Identity: "terminal.k1", Metadata: `{"kind":"hearing"}`}
	leader := media.Participant{Identity: "leader", Hidden: true, Metadata: `{"kind":"monitoring"}`}
	official := media.Participant{Identity: "official", Admin: true, Metadata: `{"kind":"hearing","record":true}`}
	step := func(what string, want bool) {
		t.Helper()
		if got := m.Recording(room); got != want {
			t.Fatalf("%s: recording %v, want %v", what, got, want)
		}
	}
	m.ParticipantJoined(room, watch, time.Unix(1_700_000_000, 0))
	m.ParticipantJoined(room, leader, time.Unix(1_700_000_000, 0))
	step("the kiosk's watch and a leader", false)
	for range 2 {
		m.ParticipantLeft(room, "terminal.k1", "left", time.Unix(1_700_000_000, 0))
		m.ParticipantJoined(room, kiosk, time.Unix(1_700_000_000, 0))
		step("the kiosk in its hearing seat", true) // the policy records hearings
		m.ParticipantJoined(room, official, time.Unix(1_700_000_000, 0))
		step("the official joined", true)
		m.ParticipantLeft(room, "official", "left", time.Unix(1_700_000_000, 0))
		step("the official left, the kiosk still in the hearing", true)
		m.ParticipantLeft(room, "terminal.k1", "left", time.Unix(1_700_000_000, 0))
		step("the hearing over, the leader watching", false)
		m.ParticipantJoined(room, watch, time.Unix(1_700_000_000, 0))
		step("the kiosk back on watch", false)
	}
}
