//go:build !linux

package miniotest

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal.
func dieWithParent(cmd *exec.Cmd) {}
