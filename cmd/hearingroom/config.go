package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"hearingroom/petitions/casework"
	"hearingroom/petitions/reminders"
)

// Config is everything the server can be told. Each field is a flag and an
// environment variable (see docs/configuration.md); secrets may also be read
// from the file named by the variable with a _FILE suffix.
type Config struct {
	DataDir       string
	Database      string
	HTTPAddr      string
	PublicURL     string
	UDPAddr       string
	TCPAddr       string
	PublicIPs     []string
	LoopbackOnly  bool
	TLSCert       string
	TLSKey        string
	TLSSelfSigned bool
	APIKey        string
	APISecret     string
	LogFormat     string
	LogLevel      string
	Pprof         bool

	S3Endpoint       string
	S3Bucket         string
	S3AccessKey      string
	S3SecretKey      string
	S3Region         string
	S3TLS            bool
	S3PublicEndpoint string
	RecordKinds      []string
	Retention        []string

	Reminders       bool
	ReminderOffsets string
	WebhookURL      string
	WebhookSecret   string
	WeComWebhook    string
	DingTalkWebhook string
	DingTalkSecret  string
	Open311         bool

	// UploadMinBackoff and UploadMaxBackoff bound the wait before the
	// uploader retries a failed upload (0: its defaults, 1 s and 1 min).
	// Not flags: tests shorten them to watch several retries of an outage.
	UploadMinBackoff, UploadMaxBackoff time.Duration
}

// DefaultConfig is the embedded default: one county on one machine.
func DefaultConfig() Config {
	return Config{
		DataDir:     "./data",
		HTTPAddr:    ":8080",
		UDPAddr:     ":7882",
		TCPAddr:     ":7881",
		LogFormat:   "text",
		LogLevel:    "info",
		S3Bucket:    "hearingroom",
		RecordKinds: []string{"hearing", "mediation"},
		Reminders:   true, ReminderOffsets: "3d,1d", Open311: true,
	}
}

type option struct {
	name, usage string
	secret      bool
	str         *string
	boolean     *bool
	list        *[]string
}

func (c *Config) options() []option {
	return []option{
		{name: "data-dir", usage: "where the ledger, recordings and generated secrets live", str: &c.DataDir},
		{name: "database", usage: "a postgres:// URL for the ledger; empty: the SQLite file ledger.db in the data dir", str: &c.Database, secret: true},
		{name: "http-addr", usage: "HTTP listen address", str: &c.HTTPAddr},
		{name: "public-url", usage: "the server's URL as browsers reach it, for printed links (default: derived from http-addr)", str: &c.PublicURL},
		{name: "udp-addr", usage: "the one UDP address for all media (ICE UDP mux)", str: &c.UDPAddr},
		{name: "tcp-addr", usage: "ICE-TCP listen address for media when UDP is blocked; empty disables it", str: &c.TCPAddr},
		{name: "public-ip", usage: "comma-separated public IPs or host names to advertise for media (NAT 1:1)", list: &c.PublicIPs},
		{name: "loopback-only", usage: "restrict media to 127.0.0.1 (single-machine demos and tests)", boolean: &c.LoopbackOnly},
		{name: "tls-cert", usage: "TLS certificate file (PEM); with tls-key serves HTTPS", str: &c.TLSCert},
		{name: "tls-key", usage: "TLS private key file (PEM)", str: &c.TLSKey},
		{name: "tls-self-signed", usage: "serve HTTPS with a self-signed certificate kept in the data dir (LAN pilots)", boolean: &c.TLSSelfSigned},
		{name: "api-key", usage: "access-token key id (default: generated in the data dir)", str: &c.APIKey},
		{name: "api-secret", usage: "access-token signing secret (default: generated in the data dir)", str: &c.APISecret, secret: true},
		{name: "log-format", usage: "text or json", str: &c.LogFormat},
		{name: "log-level", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "pprof", usage: "serve Go profiles under /debug/pprof/ (for benchmarks)", boolean: &c.Pprof},
		{name: "s3-endpoint", usage: "host:port of an S3 API (MinIO or any S3) for recordings; empty: the recordings/store directory in the data dir", str: &c.S3Endpoint},
		{name: "s3-bucket", usage: "the S3 bucket of recordings (created if missing)", str: &c.S3Bucket},
		{name: "s3-access-key", usage: "S3 access key", str: &c.S3AccessKey},
		{name: "s3-secret-key", usage: "S3 secret key", str: &c.S3SecretKey, secret: true},
		{name: "s3-region", usage: "S3 region (default us-east-1)", str: &c.S3Region},
		{name: "s3-tls", usage: "reach the S3 API over HTTPS", boolean: &c.S3TLS},
		{name: "s3-public-endpoint", usage: "host:port or URL browsers reach the S3 API at, for playback URLs (default: s3-endpoint)", str: &c.S3PublicEndpoint},
		{name: "retention", usage: "comma-separated kind=days of recording retention after a session ends, e.g. hearing=3650d,caucus=365d (0 or forever keeps); cases under legal hold are kept", list: &c.Retention},
		{name: "reminders", usage: "remind people of deadlines (in-app, and the webhooks configured)", boolean: &c.Reminders},
		{name: "reminder-offsets", usage: "comma-separated times before a due date to remind, e.g. 3d,1d; empty: only on the day and when overdue", str: &c.ReminderOffsets},
		{name: "webhook-url", usage: "URL that receives each reminder as HMAC-signed JSON (an SMS gateway, a hotline system)", str: &c.WebhookURL},
		{name: "webhook-secret", usage: "HMAC-SHA256 key that signs the webhook's requests", str: &c.WebhookSecret, secret: true},
		{name: "wecom-webhook", usage: "WeCom (企业微信) group robot URL for reminders", str: &c.WeComWebhook, secret: true},
		{name: "dingtalk-webhook", usage: "DingTalk (钉钉) group robot URL for reminders", str: &c.DingTalkWebhook, secret: true},
		{name: "dingtalk-secret", usage: "DingTalk robot signing secret (加签)", str: &c.DingTalkSecret, secret: true},
		{name: "open311", usage: "serve the public Open311 GeoReport v2 view of non-confidential cases under /open311/v2", boolean: &c.Open311},
		{name: "record-kinds", usage: "comma-separated kinds of session recorded by default (hearing, mediation, caucus), or none; a room's host may ask otherwise", list: &c.RecordKinds},
	}
}

// envName returns the environment variable of an option name.
func envName(name string) string {
	return "HEARINGROOM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseConfig fills c from the environment, then from args. lookup is
// os.LookupEnv in production.
func parseConfig(c *Config, fs *flag.FlagSet, args []string, lookup func(string) (string, bool)) error {
	opts := c.options()
	for _, o := range opts {
		if err := o.fromEnv(lookup); err != nil {
			return err
		}
	}
	for _, o := range opts {
		switch {
		case o.str != nil:
			fs.StringVar(o.str, o.name, *o.str, o.usage+" ["+envName(o.name)+"]")
		case o.boolean != nil:
			fs.BoolVar(o.boolean, o.name, *o.boolean, o.usage+" ["+envName(o.name)+"]")
		case o.list != nil:
			fs.Func(o.name, o.usage+" ["+envName(o.name)+"]", func(v string) error {
				*o.list = splitList(v)
				return nil
			})
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	return c.validate()
}

func (o option) fromEnv(lookup func(string) (string, bool)) error {
	env := envName(o.name)
	v, ok := lookup(env)
	if !ok && o.secret {
		if file, fok := lookup(env + "_FILE"); fok {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("config: %s_FILE: %w", env, err)
			}
			v, ok = strings.TrimSpace(string(b)), true
		}
	}
	if !ok {
		return nil
	}
	switch {
	case o.str != nil:
		*o.str = v
	case o.boolean != nil:
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			*o.boolean = true
		case "0", "false", "no", "off", "":
			*o.boolean = false
		default:
			return fmt.Errorf("config: %s=%q is not a boolean", env, v)
		}
	case o.list != nil:
		*o.list = splitList(v)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *Config) validate() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("config: --tls-cert and --tls-key go together")
	}
	if c.TLSCert != "" && c.TLSSelfSigned {
		return fmt.Errorf("config: choose --tls-cert/--tls-key or --tls-self-signed, not both")
	}
	if (c.APIKey == "") != (c.APISecret == "") {
		return fmt.Errorf("config: --api-key and --api-secret go together")
	}
	if c.APISecret != "" && len(c.APISecret) < 32 {
		return fmt.Errorf("config: --api-secret must be at least 32 characters")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: --log-format must be text or json")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: --log-level must be debug, info, warn or error")
	}
	for _, k := range c.RecordKinds {
		switch k {
		case "hearing", "mediation", "caucus", "none":
		default:
			return fmt.Errorf("config: --record-kinds: %q is not hearing, mediation, caucus or none", k)
		}
	}
	if _, err := reminders.ParseOffsets(c.ReminderOffsets); err != nil {
		return fmt.Errorf("config: --reminder-offsets: %w", err)
	}
	if _, err := casework.ParseRetention(c.Retention); err != nil {
		return fmt.Errorf("config: --retention: %w", err)
	}
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "" || c.S3Bucket == "") {
		return fmt.Errorf("config: --s3-endpoint needs --s3-access-key, --s3-secret-key and --s3-bucket")
	}
	if c.HTTPAddr == "" || c.UDPAddr == "" {
		return fmt.Errorf("config: --http-addr and --udp-addr must not be empty")
	}
	return nil
}
