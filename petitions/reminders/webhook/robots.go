package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hearingroom/petitions/reminders"
)

// WeCom is a WeCom (企业微信) group robot: its webhook URL
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) takes
// {"msgtype":"markdown","markdown":{"content":…}}.
type WeCom struct {
	ChannelName string // "wecom" when ""
	URL         string
	Client      *http.Client
}

// Name returns the channel's name.
func (w *WeCom) Name() string { return nameOr(w.ChannelName, "wecom") }

// Send posts r as a markdown message.
func (w *WeCom) Send(ctx context.Context, r reminders.Reminder) error {
	body, err := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": Markdown(r)},
	})
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return postRobot(ctx, w.Client, "WeCom", w.URL, body)
}

// DingTalk is a DingTalk (钉钉) group robot: its webhook URL
// (https://oapi.dingtalk.com/robot/send?access_token=…) takes
// {"msgtype":"markdown","markdown":{"title":…,"text":…}}. With the robot's
// signing secret (加签), each request adds timestamp and sign query
// parameters (DingTalkSign).
type DingTalk struct {
	ChannelName string // "dingtalk" when ""
	URL         string
	Secret      string
	Client      *http.Client
	Now         func() time.Time
}

// Name returns the channel's name.
func (d *DingTalk) Name() string { return nameOr(d.ChannelName, "dingtalk") }

// Send posts r as a markdown message, signed if there is a secret.
func (d *DingTalk) Send(ctx context.Context, r reminders.Reminder) error {
	body, err := json.Marshal(map[string]any{
		"msgtype": "markdown",
		"markdown": map[string]string{
			"title": reminders.Title(r.Kind) + "：" + r.CaseNo,
			"text":  Markdown(r),
		},
	})
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	target := d.URL
	if d.Secret != "" {
		u, err := url.Parse(d.URL)
		if err != nil {
			return fmt.Errorf("webhook: the DingTalk URL: %w", err)
		}
		ts := nowOf(d.Now).UnixMilli()
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", DingTalkSign(d.Secret, ts))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	return postRobot(ctx, d.Client, "DingTalk", target, body)
}

// DingTalkSign returns the sign of a DingTalk request at timestamp (Unix
// milliseconds), before URL encoding: the base64 of the HMAC-SHA256 of
// timestamp + "\n" + secret under secret. DingTalk refuses a timestamp more
// than an hour from its clock.
func DingTalkSign(secret string, timestamp int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
