package miniotest_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"hearingroom/recordings/miniotest"
)

// test.sh builds the MinIO version this package names.
func TestVersionPinned(t *testing.T) {
	b, err := os.ReadFile("../../test.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "minio_version="+miniotest.Version+"\n") {
		t.Errorf("test.sh does not pin MinIO %s", miniotest.Version)
	}
}

func ready(t *testing.T, m *miniotest.Server) int {
	resp, err := http.Get(m.URL() + "/minio/health/ready")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStopRestart(t *testing.T) {
	m := miniotest.Start(t)
	if code := ready(t, m); code != http.StatusOK {
		t.Fatalf("ready = %d", code)
	}
	endpoint := m.Endpoint
	m.Stop()
	if code := ready(t, m); code != 0 {
		t.Fatalf("stopped server answered %d", code)
	}
	m.Stop() // a second Stop does nothing
	m.Restart()
	if m.Endpoint != endpoint {
		t.Errorf("restarted on %s, was %s", m.Endpoint, endpoint)
	}
	if code := ready(t, m); code != http.StatusOK {
		t.Fatalf("ready after restart = %d", code)
	}
}
