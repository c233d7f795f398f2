package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// sample is the server's state at one instant.
type sample struct {
	at         time.Time
	cpu        float64 // seconds of user+system time
	rss        int64   // bytes
	packetsOut uint64
	mallocs    uint64
}

// clockTick is USER_HZ, which Linux fixes at 100 for /proc.
const clockTick = 100

func (s *server) sample() (sample, error) {
	pid := s.cmd.Process.Pid
	smp := sample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return smp, err
	}
	// Fields after the command name in parentheses; utime and stime are 14 and 15.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	smp.cpu = (ut + st) / clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return smp, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			smp.rss = kb << 10
		}
	}
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return smp, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "hearingroom_rtp_packets_forwarded_total":
			smp.packetsOut = uint64(v)
		case "go_memstats_mallocs_total":
			smp.mallocs = uint64(v)
		}
	}
	return smp, sc.Err()
}
