// Package webhook delivers reminders (package reminders) over HTTP: as a
// signed JSON document to any endpoint (Generic), and as a markdown message
// to a WeCom (企业微信) or DingTalk (钉钉) group robot. Each type is a
// reminders.Channel.
//
// # The generic webhook
//
// Generic POSTs one JSON object per reminder, Content-Type
// application/json:
//
//	{
//	  "id":         "9f86d081884c7d659a2feaa0c55ad015", // the reminder's id: the same on a repeat
//	  "kind":       "due_soon",                        // due_soon, due_today or overdue
//	  "case_id":    "…",                               // the case's UUID
//	  "case_no":    "230722-2026-00001",               // the public case number
//	  "step":       "handling",                        // petitions.Step, or "supervision"
//	  "step_name":  "办理",
//	  "due":        "2026-07-10T00:00:00+08:00",       // the instant the step is overdue (end of the due day)
//	  "fired_at":   "2026-07-06T00:00:00+08:00",       // when the reminder fired
//	  "recipients": ["person-id", …],                  // ids of the people reminded
//	  "text":       "【即将到期】案件 … 还剩 3 天，请按期办结。",
//	  "sent_at":    1783299600                         // Unix seconds of this attempt
//	}
//
// With a secret, the request carries X-Hearingroom-Timestamp (sent_at, the
// same Unix seconds) and X-Hearingroom-Signature: sha256=<hex>, the
// HMAC-SHA256 of the raw body under the secret. The receiver recomputes it
// over the bytes it received, compares in constant time, and refuses a
// sent_at far from its clock (the body is signed, sent_at with it); it drops
// an id it has seen, since a send cut short by a crash is repeated. Any 2xx
// answer is a delivery; anything else is retried with backoff.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/reminders"
)

// Headers of the generic webhook.
const (
	SignatureHeader = "X-Hearingroom-Signature"
	TimestampHeader = "X-Hearingroom-Timestamp"
)

// Payload is the body Generic sends.
type Payload struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	Step       string    `json:"step"`
	StepName   string    `json:"step_name"`
	Due        time.Time `json:"due"`
	FiredAt    time.Time `json:"fired_at"`
	Recipients []string  `json:"recipients"`
	Text       string    `json:"text"`
	SentAt     int64     `json:"sent_at"`
}

// Generic is the generic JSON webhook.
type Generic struct {
	ChannelName string // "webhook" when ""
	URL         string
	Secret      []byte // signs each request when not empty
	Client      *http.Client
	Now         func() time.Time
}

// Name returns the channel's name.
func (g *Generic) Name() string { return nameOr(g.ChannelName, "webhook") }

// Send POSTs r's payload, signed.
func (g *Generic) Send(ctx context.Context, r reminders.Reminder) error {
	now := nowOf(g.Now)
	body, err := json.Marshal(Payload{
		ID: r.ID, Kind: string(r.Kind), CaseID: r.CaseID, CaseNo: r.CaseNo,
		Step: string(r.Step), StepName: reminders.StepName(r.Step),
		Due: r.Due.In(petitions.ChinaTime), FiredAt: r.At.In(petitions.ChinaTime),
		Recipients: r.Recipients, Text: r.Text, SentAt: now.Unix(),
	})
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	h := http.Header{}
	if len(g.Secret) > 0 {
		h.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
		h.Set(SignatureHeader, Sign(g.Secret, body))
	}
	_, err = post(ctx, g.Client, g.URL, body, h)
	return err
}

// Sign returns the value of SignatureHeader for body: "sha256=" and the hex
// HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// post POSTs a JSON body to url and returns the answer's body (its first
// MiB), or an error for a failed request or an answer that is not 2xx.
func post(ctx context.Context, client *http.Client, url string, body []byte, h http.Header) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("webhook: read the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return answer, fmt.Errorf("webhook: %s answered %s: %.200s", req.URL.Redacted(), resp.Status, answer)
	}
	return answer, nil
}

// robotAnswer is what the WeCom and DingTalk robots answer: errcode 0 when
// the message was taken, even with HTTP 200 for a refusal.
type robotAnswer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// postRobot posts body to a group robot and checks its errcode.
func postRobot(ctx context.Context, client *http.Client, robot, url string, body []byte) error {
	answer, err := post(ctx, client, url, body, nil)
	if err != nil {
		return err
	}
	var a robotAnswer
	if err := json.Unmarshal(answer, &a); err != nil || a.ErrCode == nil {
		return fmt.Errorf("webhook: the %s robot answered %.200q, not its errcode", robot, answer)
	}
	if *a.ErrCode != 0 {
		return fmt.Errorf("webhook: the %s robot refused the message: errcode %d: %s", robot, *a.ErrCode, a.ErrMsg)
	}
	return nil
}

// Markdown returns r as the markdown both robots show: a heading, the text,
// the case number, the step and the due day.
func Markdown(r reminders.Reminder) string {
	last := r.Due.Add(-time.Nanosecond).In(petitions.ChinaTime)
	return fmt.Sprintf("### %s：%s\n%s\n\n> 案件编号：%s\n> 环节：%s\n> 期限：%s\n",
		reminders.Title(r.Kind), r.CaseNo, r.Text, r.CaseNo, reminders.StepName(r.Step), last.Format(time.DateOnly))
}

func nameOr(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

func nowOf(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}
