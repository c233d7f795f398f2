package media

import "time"

// Codec describes a track's encoding as negotiated, for whoever writes it to
// a file.
type Codec struct {
	MimeType  string `json:"mime_type"` // "video/VP8", "video/H264", "audio/opus", …
	ClockRate uint32 `json:"clock_rate"`
	Channels  uint16 `json:"channels,omitempty"`
	Fmtp      string `json:"fmtp,omitempty"`
}

// Recorder is the room's recording participant, in process: the media server
// tells it of every track published in a room (those published before it
// took an interest included, see the server's SetRecording) and, for each
// track it wants, hands it the packets of the track's best layer as they
// arrive. It is never announced to the room and publishes nothing. It is
// declared here, by its consumer's side of the contract: the SFU calls it,
// package recordings implements it.
type Recorder interface {
	// TrackStarted is called when track t of participant p is published in
	// room (or when the room starts being recorded, for the tracks already
	// there). It returns the sink for the track's packets, or nil when the
	// track is not to be recorded. keyframe asks the publisher for a
	// keyframe of the layer being recorded; the server rate-limits it.
	// TrackStarted must not block.
	TrackStarted(room string, p Participant, t Track, c Codec, keyframe func()) TrackSink
}

// TrackSink receives the packets of one recorded track. The server calls
// WriteRTP from the goroutine that reads the recorded layer and
// SenderReport from the one that reads its RTCP, so the two may run
// concurrently; neither may block (copy and queue). After Close the server
// calls nothing more.
type TrackSink interface {
	// WriteRTP hands over one RTP packet as the publisher sent it (not
	// rewritten), received at at. The slice is reused after the call.
	// When the recorded layer changes (a higher simulcast layer appears)
	// the SSRC changes: the sink starts a new segment.
	WriteRTP(packet []byte, at time.Time)
	// SenderReport passes on an RTCP sender report of the recorded
	// layer: the publisher's wall clock (NTP format) at RTP time rtpTime,
	// received at at. It is how audio and video are aligned.
	SenderReport(ssrc uint32, ntpTime uint64, rtpTime uint32, at time.Time)
	// Close says the track ended: unpublished, or its participant left.
	Close()
}
