package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hearingroom/petitions/casework"
	"hearingroom/recordings"
)

// compositeSession is casework's Compositor: recordings.Composite with the
// ffmpeg on the PATH, looked up at each export so that installing ffmpeg
// needs no restart.
func compositeSession(ctx context.Context, tracks []casework.ExportTrack, dur time.Duration, outPath string) error {
	in := make([]recordings.CompositeInput, len(tracks))
	for i, t := range tracks {
		in[i] = recordings.CompositeInput(t)
	}
	err := recordings.Composite(ctx, "", in, dur, outPath)
	if errors.Is(err, recordings.ErrNoFFmpeg) {
		return fmt.Errorf("%w: %w", casework.ErrNoCompositor, err)
	}
	return err
}
