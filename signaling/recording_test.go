package signaling_test

import (
	"testing"

	"hearingroom/media"
	"hearingroom/media/sfu"
	"hearingroom/signaling/client"
)

// nopRecorder takes no track: enough for the room to be recorded.
type nopRecorder struct{}

func (nopRecorder) TrackStarted(string, media.Participant, media.Track, media.Codec, func()) media.TrackSink {
	return nil
}

// TestRecordingAnnounced: everyone in a room is told when its recording
// starts and stops, and whoever joins a recorded room learns it in "joined".
func TestRecordingAnnounced(t *testing.T) {
	s := newServerWith(t, sfu.Config{Recorder: nopRecorder{}})
	a := s.join(t, publisher("hearing", "official"))
	if a.Recording() {
		t.Fatal("a room nobody records is announced as recorded")
	}
	if err := s.sfu.SetRecording("hearing", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, "the recording frame", (*client.Client).Recording)

	// A page joining now learns it in "joined", on the wire.
	r := s.raw(t)
	r.send(`{"type":"join","token":"` + token(t, publisher("hearing", "villager")) + `"}`)
	if m := r.expect("joined"); m["recording"] != true {
		t.Fatalf("joined of a recorded room: recording = %v", m["recording"])
	}
	b := s.join(t, publisher("hearing", "clerk"))
	if !b.Recording() {
		t.Fatal("the client does not read recording from joined")
	}

	if err := s.sfu.SetRecording("hearing", false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{a, b} {
		waitFor(t, c, "the end of the recording", func(c *client.Client) bool { return !c.Recording() })
	}
	if m := r.expect("recording"); m["recording"] != false {
		t.Fatalf("recording frame %v", m)
	}
	var seen []bool
	for _, m := range a.EventLog() {
		if m.Type == client.TypeRecording {
			seen = append(seen, m.Recording)
		}
	}
	if len(seen) != 2 || !seen[0] || seen[1] {
		t.Errorf("official was told %v, want [true false]", seen)
	}

	// A fresh room says false, explicitly.
	r2 := s.raw(t)
	r2.send(`{"type":"join","token":"` + token(t, publisher("other", "villager")) + `"}`)
	if m := r2.expect("joined"); m["recording"] != false {
		t.Fatalf("joined of an unrecorded room: recording = %v", m["recording"])
	}
}
