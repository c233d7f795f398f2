// Package recordings owns what happens to a recorded session after the SFU:
// the catalog, object storage (a directory or S3), durable upload, playback
// URLs, the access audit and retention. It arrives with issue 4; this package
// holds its place in the layout.
package recordings
