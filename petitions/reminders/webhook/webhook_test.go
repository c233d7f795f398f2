package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/reminders"
	"hearingroom/petitions/reminders/webhook"
)

var sentAt = time.Date(2026, 7, 6, 9, 0, 0, 0, petitions.ChinaTime)

func reminder() reminders.Reminder {
	r := reminders.Reminder{
		ID: "9f86d081884c7d659a2feaa0c55ad015", CaseID: "case-1", CaseNo: "230722-2026-00001",
		Step: petitions.StepHandling, Kind: petitions.ReminderDueSoon,
		Due:        time.Date(2026, 7, 10, 0, 0, 0, 0, petitions.ChinaTime),
		Recipients: []string{"leader-1", "clerk-1"},
		At:         time.Date(2026, 7, 6, 0, 0, 0, 0, petitions.ChinaTime),
	}
	r.Text = reminders.Text(r)
	return r
}

// request is what a test server received.
type request struct {
	header http.Header
	query  url.Values
	raw    string // the raw query
	body   []byte
}

// server records each request and answers with answer.
func server(t *testing.T, status int, answer string) (*httptest.Server, *[]request) {
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("request %s with Content-Type %q; want a JSON POST", r.Method, r.Header.Get("Content-Type"))
		}
		got = append(got, request{r.Header.Clone(), r.URL.Query(), r.URL.RawQuery, body})
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestGeneric(t *testing.T) {
	srv, got := server(t, http.StatusNoContent, "")
	secret := []byte("s3cret")
	g := &webhook.Generic{URL: srv.URL + "/hook", Secret: secret, Now: func() time.Time { return sentAt }}
	if err := g.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(*got) != 1 {
		t.Fatalf("%d requests; want 1", len(*got))
	}
	req := (*got)[0]
	mac := hmac.New(sha256.New, secret)
	mac.Write(req.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); req.header.Get(webhook.SignatureHeader) != want {
		t.Fatalf("signature %q; want %q", req.header.Get(webhook.SignatureHeader), want)
	}
	if ts := req.header.Get(webhook.TimestampHeader); ts != strconv.FormatInt(sentAt.Unix(), 10) {
		t.Fatalf("timestamp header %q; want %d", ts, sentAt.Unix())
	}
	var p map[string]any
	if err := json.Unmarshal(req.body, &p); err != nil {
		t.Fatalf("body %s: %v", req.body, err)
	}
	for field, want := range map[string]any{
		"id": "9f86d081884c7d659a2feaa0c55ad015", "kind": "due_soon", "case_no": "230722-2026-00001",
		"case_id": "case-1", "step": "handling", "step_name": "办理", "due": "2026-07-10T00:00:00+08:00",
		"fired_at": "2026-07-06T00:00:00+08:00", "sent_at": float64(sentAt.Unix()),
	} {
		if p[field] != want {
			t.Errorf("payload %s = %v; want %v", field, p[field], want)
		}
	}
	if r, _ := p["recipients"].([]any); len(r) != 2 || r[0] != "leader-1" {
		t.Errorf("payload recipients = %v", p["recipients"])
	}
	if text, _ := p["text"].(string); !strings.Contains(text, "还剩 3 天") || !strings.Contains(text, "2026年7月9日") {
		t.Errorf("payload text = %q", text)
	}

	// Without a secret, nothing is signed.
	unsigned := &webhook.Generic{URL: srv.URL}
	if err := unsigned.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send unsigned: %v", err)
	}
	if h := (*got)[1].header; h.Get(webhook.SignatureHeader) != "" || h.Get(webhook.TimestampHeader) != "" {
		t.Fatalf("unsigned request has headers %v", h)
	}
	if g.Name() != "webhook" || (&webhook.Generic{ChannelName: "ops"}).Name() != "ops" {
		t.Fatal("wrong channel names")
	}
}

func TestGenericRefused(t *testing.T) {
	srv, _ := server(t, http.StatusBadGateway, "upstream down")
	err := (&webhook.Generic{URL: srv.URL}).Send(context.Background(), reminder())
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Send to a failing endpoint = %v; want an error naming 502", err)
	}
}

func TestWeCom(t *testing.T) {
	srv, got := server(t, http.StatusOK, `{"errcode":0,"errmsg":"ok"}`)
	w := &webhook.WeCom{URL: srv.URL + "/cgi-bin/webhook/send?key=abc"}
	if err := w.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	req := (*got)[0]
	if req.query.Get("key") != "abc" {
		t.Fatalf("query %v; want the robot's key kept", req.query)
	}
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(req.body, &msg); err != nil {
		t.Fatalf("body %s: %v", req.body, err)
	}
	if msg.MsgType != "markdown" || !strings.Contains(msg.Markdown.Content, "230722-2026-00001") ||
		!strings.Contains(msg.Markdown.Content, "即将到期") || !strings.Contains(msg.Markdown.Content, "2026-07-09") {
		t.Fatalf("message = %+v", msg)
	}

	refusing, _ := server(t, http.StatusOK, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
	err := (&webhook.WeCom{URL: refusing.URL}).Send(context.Background(), reminder())
	if err == nil || !strings.Contains(err.Error(), "93000") {
		t.Fatalf("Send refused with HTTP 200 = %v; want an error naming errcode 93000", err)
	}
}

func TestDingTalk(t *testing.T) {
	srv, got := server(t, http.StatusOK, `{"errcode":0,"errmsg":"ok"}`)
	secret := "SEC000example+/="
	d := &webhook.DingTalk{URL: srv.URL + "/robot/send?access_token=tok", Secret: secret,
		Now: func() time.Time { return sentAt }}
	if err := d.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	req := (*got)[0]
	ts := strconv.FormatInt(sentAt.UnixMilli(), 10)
	// As DingTalk's documentation computes it: HmacSHA256 of
	// timestamp+"\n"+secret under secret, Base64, then URL-encoded.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if req.query.Get("access_token") != "tok" || req.query.Get("timestamp") != ts || req.query.Get("sign") != sign {
		t.Fatalf("query %v; want access_token tok, timestamp %s, sign %s", req.query, ts, sign)
	}
	if !strings.Contains(req.raw, "sign="+url.QueryEscape(sign)) {
		t.Fatalf("raw query %q does not carry the URL-encoded sign", req.raw)
	}
	if webhook.DingTalkSign(secret, sentAt.UnixMilli()) != sign {
		t.Fatal("DingTalkSign differs from the documented computation")
	}
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(req.body, &msg); err != nil {
		t.Fatalf("body %s: %v", req.body, err)
	}
	if msg.MsgType != "markdown" || msg.Markdown.Title != "即将到期：230722-2026-00001" ||
		!strings.Contains(msg.Markdown.Text, reminder().Text) {
		t.Fatalf("message = %+v", msg)
	}

	// Without a secret the URL is used as given.
	if err := (&webhook.DingTalk{URL: srv.URL + "/robot/send?access_token=tok"}).Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send unsigned: %v", err)
	}
	if q := (*got)[1].query; q.Has("sign") || q.Has("timestamp") {
		t.Fatalf("unsigned query %v", q)
	}
}
