package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func parse(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c := DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := parseConfig(&c, fs, args, lookupFrom(env))
	return c, err
}

func TestConfigPrecedence(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(strings.Repeat("k", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, []string{"--http-addr", ":9000", "--public-ip", "203.0.113.1, example.invalid"}, map[string]string{
		"HEARINGROOM_HTTP_ADDR":         ":7000",
		"HEARINGROOM_UDP_ADDR":          ":5000",
		"HEARINGROOM_LOOPBACK_ONLY":     "yes",
		"HEARINGROOM_API_KEY":           "county",
		"HEARINGROOM_API_SECRET_FILE":   secretFile,
		"HEARINGROOM_TLS_SELF_SIGNED":   "0",
		"HEARINGROOM_UNRELATED_SETTING": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" || c.UDPAddr != ":5000" || !c.LoopbackOnly || c.APIKey != "county" ||
		c.APISecret != strings.Repeat("k", 40) || len(c.PublicIPs) != 2 || c.PublicIPs[1] != "example.invalid" {
		t.Fatalf("config = %+v", c)
	}
}

func TestConfigRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"cert without key":   {args: []string{"--tls-cert", "c.pem"}},
		"cert and selfsign":  {args: []string{"--tls-cert", "c", "--tls-key", "k", "--tls-self-signed"}},
		"short secret":       {env: map[string]string{"HEARINGROOM_API_KEY": "k", "HEARINGROOM_API_SECRET": "short"}},
		"secret without key": {env: map[string]string{"HEARINGROOM_API_SECRET": strings.Repeat("k", 40)}},
		"bad bool":           {env: map[string]string{"HEARINGROOM_LOOPBACK_ONLY": "maybe"}},
		"bad log format":     {args: []string{"--log-format", "xml"}},
		"missing file":       {env: map[string]string{"HEARINGROOM_API_SECRET_FILE": "/nonexistent/secret"}},
		"unknown flag":       {args: []string{"--no-such-flag"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(t, tc.args, tc.env); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestConfigurationDocumented keeps docs/configuration.md true: every option
// appears with its flag and its environment variable.
func TestConfigurationDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	c := DefaultConfig()
	for _, o := range c.options() {
		for _, want := range []string{"`--" + o.name + "`", "`" + envName(o.name) + "`"} {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/configuration.md does not mention %s", want)
			}
		}
		if o.secret && !strings.Contains(doc, "`"+envName(o.name)+"_FILE`") {
			t.Errorf("docs/configuration.md does not mention %s_FILE", envName(o.name))
		}
	}
}

func TestSecretsGeneratedOnce(t *testing.T) {
	dir := t.TempDir()
	a, err := loadSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets.json mode = %v, want 0600", st.Mode().Perm())
	}
	b, err := loadSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(a.APISecret) < 32 {
		t.Fatalf("secrets changed or weak: %+v %+v", a, b)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSecrets(dir); err == nil {
		t.Fatal("a damaged secrets.json was accepted")
	}
}

func TestSelfSignedCert(t *testing.T) {
	dir := t.TempDir()
	cert, key, err := selfSignedCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key %v mode %v", err, st.Mode())
	}
	cert2, _, err := selfSignedCert(dir)
	if err != nil || cert2 != cert {
		t.Fatalf("second call: %v %s", err, cert2)
	}
}
