// Package recordings owns what happens to a recorded session after the SFU:
// the recorder (Manager) writes each participant's media as segments into a
// local spool, and the Uploader moves finished segments into object storage.
//
// ObjectStore is the storage contract; recordings/dirstore (a directory, the
// embedded default) and recordings/s3store (MinIO or any S3) implement it, and
// recordings/storetest is their one conformance suite (recordings/miniotest
// runs the real MinIO server it needs). The Uploader removes a spool copy
// only after the stored bytes were verified (size and SHA-256) and the caller
// has recorded the digest: a recording is evidence and is never dropped.
package recordings
