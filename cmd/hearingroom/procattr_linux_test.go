package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill a child process if the test binary dies
// without running its cleanups (a panic, go test's -timeout).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
