package main

// A small W3C WebDriver client for WebKitGTK's WebKitWebDriver, over
// net/http and encoding/json only, for the WebKit (Safari's engine) tests
// in webkit_browser_test.go. WebKitWebDriver drives MiniBrowser, a GTK
// program: it runs on an Xvfb display the test starts.
//
// The driver is $HEARINGROOM_WEBKITDRIVER, else WebKitWebDriver in PATH
// (Debian: apt-get install -y webkit2gtk-driver xvfb). Without it, or
// without Xvfb, the tests skip, except under CI=true where they fail.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// webkitDeadline bounds the start of Xvfb, of the driver and of a session
// (MiniBrowser's first start builds caches): generous, for a busy machine.
const webkitDeadline = 90 * time.Second

// webkitTools finds WebKitWebDriver and Xvfb, or skips (fails under CI=true).
func webkitTools(tb testing.TB) (driver, xvfb string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser tests are skipped in -short mode")
	}
	missing := func(why string) {
		tb.Helper()
		why += " (apt-get install -y webkit2gtk-driver xvfb)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(why)
		}
		tb.Skip(why)
	}
	if p := os.Getenv("HEARINGROOM_WEBKITDRIVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("HEARINGROOM_WEBKITDRIVER=%s: %v", p, err)
		}
		driver = p
	} else if p, err := exec.LookPath("WebKitWebDriver"); err == nil {
		driver = p
	} else {
		missing("no WebKitWebDriver in PATH and HEARINGROOM_WEBKITDRIVER unset")
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		missing("no Xvfb in PATH: WebKitGTK's MiniBrowser needs a display")
	}
	return driver, xvfb
}

// startXvfb starts a virtual display of its own and returns its name
// (":N"). Xvfb picks a free display number and writes it to -displayfd
// once it accepts clients: that line is the readiness signal.
func startXvfb(tb testing.TB, exe string) string {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	out := new(lockedBuffer)
	cmd := exec.Command(exe, "-displayfd", "3", "-screen", "0", "1600x1280x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second // not held up by a child that keeps the pipe
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	tb.Cleanup(func() { stopProcess(cmd) })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if _, err := strconv.Atoi(n); err != nil {
			tb.Fatalf("Xvfb gave no display number (%q): %s", n, out.tail(2000))
		}
		return ":" + n
	case <-time.After(webkitDeadline):
		tb.Fatalf("Xvfb not ready within %v: %s", webkitDeadline, out.tail(2000))
	}
	return ""
}

// stopProcess ends a child the test started and reaps it.
func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// wkSession is one WebDriver session: one MiniBrowser window.
type wkSession struct {
	base   string // http://127.0.0.1:port/session/id
	client *http.Client
	out    *lockedBuffer // the driver's and the browser's output
	frame  [2]int        // what the window has around the viewport
}

// startWebKit starts Xvfb and WebKitWebDriver on a free loopback port and
// opens a session whose MiniBrowser has args (WebKitSettings as
// --name=value, see MiniBrowser --help-websettings). Everything stops when
// the test ends.
func startWebKit(tb testing.TB, args ...string) *wkSession {
	tb.Helper()
	driver, xvfb := webkitTools(tb)
	display := startXvfb(tb, xvfb)
	out := new(lockedBuffer)
	client := &http.Client{Timeout: 2 * time.Minute}
	var base string
	// A free port, then the driver on it; another process may take the
	// port in between, so try again if the driver exits.
	for attempt := 1; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--host=127.0.0.1")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		cmd.Stdout, cmd.Stderr = out, out
		// MiniBrowser and its web processes inherit the output pipe: Wait
		// must not wait for them once the driver is gone.
		cmd.WaitDelay = 5 * time.Second
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start %s: %v", driver, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		tb.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
		base = fmt.Sprintf("http://127.0.0.1:%d", port)
		ready, why := waitDriver(client, base, exited)
		if ready {
			break
		}
		if attempt == 3 {
			tb.Fatalf("WebKitWebDriver not ready: %s\n%s", why, out.tail(4000))
		}
		tb.Logf("WebKitWebDriver on port %d: %s; trying another port", port, why)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"pageLoadStrategy": "normal",
		"webkitgtk:browserOptions": map[string]any{
			"args": append([]string{"--automation"}, args...),
		},
	}}}
	s := &wkSession{base: base, client: client, out: out}
	var created struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	if err := s.call("POST", "/session", caps, &created); err != nil {
		tb.Fatalf("new WebKit session: %v\n%s", err, out.tail(4000))
	}
	s.base = base + "/session/" + created.SessionID
	tb.Cleanup(func() {
		_ = s.call("DELETE", "", nil, nil)
		if tb.Failed() {
			tb.Logf("WebKitWebDriver output (tail):\n%s", out.tail(4000))
		}
	})
	tb.Logf("WebKit: %v %v on display %s", created.Capabilities["browserName"], created.Capabilities["browserVersion"], display)
	return s
}

// waitDriver polls the driver's /status until it says ready.
func waitDriver(client *http.Client, base string, exited <-chan struct{}) (bool, string) {
	deadline := time.Now().Add(webkitDeadline)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false, "the driver exited (" + last + ")"
		default:
		}
		resp, err := client.Get(base + "/status")
		if err == nil {
			var st struct {
				Value struct {
					Ready bool `json:"ready"`
				} `json:"value"`
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if json.Unmarshal(raw, &st) == nil && st.Value.Ready {
				return true, ""
			}
			last = string(raw)
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false, "no ready /status within " + webkitDeadline.String() + ": " + last
}

// call sends a WebDriver command and decodes its value into v (if not nil).
func (s *wkSession) call(method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Message string }
		_ = json.Unmarshal(r.Value, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, e.Error, e.Message)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(r.Value, v)
}

// wkEval runs expr in the page (a promise is awaited, as WebDriver's
// Execute Script does) and decodes its value.
func wkEval[T any](s *wkSession, expr string) (T, error) {
	var v T
	err := s.call("POST", "/execute/sync", map[string]any{"script": "return (" + expr + ");", "args": []any{}}, &v)
	return v, err
}

func wkMust[T any](tb testing.TB, s *wkSession, expr string) T {
	tb.Helper()
	v, err := wkEval[T](s, expr)
	if err != nil {
		tb.Fatalf("webkit: %s: %v", expr, err)
	}
	return v
}

// navigate opens url and waits for its load event.
func (s *wkSession) navigate(tb testing.TB, url string) {
	tb.Helper()
	if err := s.call("POST", "/url", map[string]any{"url": url}, nil); err != nil {
		tb.Fatalf("webkit: open %s: %v", url, err)
	}
}

// find returns the WebDriver reference of the element selector matches.
func (s *wkSession) find(tb testing.TB, selector string) string {
	tb.Helper()
	var el map[string]string
	if err := s.call("POST", "/element", map[string]any{"using": "css selector", "value": selector}, &el); err != nil {
		tb.Fatalf("webkit: find %s: %v", selector, err)
	}
	for _, id := range el {
		return id
	}
	tb.Fatalf("webkit: find %s: no element reference", selector)
	return ""
}

// click clicks the element as a user would (WebDriver's Element Click:
// scrolled into view, pointer events at its centre).
func (s *wkSession) click(tb testing.TB, selector string) {
	tb.Helper()
	if err := s.call("POST", "/element/"+s.find(tb, selector)+"/click", map[string]any{}, nil); err != nil {
		tb.Fatalf("webkit: click %s: %v", selector, err)
	}
}

// typeInto types text into the element, key by key.
func (s *wkSession) typeInto(tb testing.TB, selector, text string) {
	tb.Helper()
	if err := s.call("POST", "/element/"+s.find(tb, selector)+"/value", map[string]any{"text": text}, nil); err != nil {
		tb.Fatalf("webkit: type into %s: %v", selector, err)
	}
}

// resize sets the page's viewport (innerWidth × innerHeight) to w × h: it
// sizes the window, then corrects by what MiniBrowser's frame takes, which
// it remembers for the next time.
func (s *wkSession) resize(tb testing.TB, w, h int) {
	tb.Helper()
	var size []int
	for range 4 {
		if err := s.call("POST", "/window/rect", map[string]any{"width": w + s.frame[0], "height": h + s.frame[1]}, nil); err != nil {
			tb.Fatalf("webkit: window %dx%d: %v", w+s.frame[0], h+s.frame[1], err)
		}
		// Two frames: layout has the new size.
		size = wkMust[[]int](tb, s, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r([innerWidth, innerHeight]))))`)
		if size[0] == w && size[1] == h {
			return
		}
		s.frame[0] += w - size[0]
		s.frame[1] += h - size[1]
	}
	tb.Fatalf("webkit: cannot make the viewport %dx%d (it is %v)", w, h, size)
}

// screenshot saves the viewport as screenshots/<name>.
func (s *wkSession) screenshot(tb testing.TB, name string) {
	tb.Helper()
	var b64 string
	if err := s.call("GET", "/screenshot", nil, &b64); err != nil {
		tb.Fatalf("webkit: screenshot: %v", err)
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		tb.Fatalf("webkit: screenshot: %v", err)
	}
	dir := os.Getenv("HEARINGROOM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", path)
}

// wkWait polls check every 250 ms until it reports true, or fails after timeout.
func wkWait(tb testing.TB, what string, timeout time.Duration, check func() (bool, string)) {
	tb.Helper()
	waitFor(tb, what+" in WebKit", timeout, check)
}
