package webm

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWriteFrame writes 30 fps video (20 kB keyframes a second, 3 kB
// otherwise) and 50 fps 120-byte Opus frames; one op is one frame.
func BenchmarkWriteFrame(b *testing.B) {
	frames := synthetic(10)
	span := 10 * time.Second
	w, err := Create(filepath.Join(b.TempDir(), "bench.webm"), []Track{
		{Number: videoTrack, Kind: Video, CodecID: CodecVP8, Width: 640, Height: 480},
		{Number: audioTrack, Kind: Audio, CodecID: CodecOpus},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)]
		ts := f.ts + time.Duration(i/len(frames))*span
		if err := w.WriteFrame(f.track, ts, f.key, f.data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
