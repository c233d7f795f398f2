package main

import (
	"context"

	"hearingroom/petitions/reminders"
	"hearingroom/petitions/reminders/webhook"
)

// startReminders runs the reminder dispatcher (in-app inbox and the
// configured webhooks) until the returned stop is called. Run it on one
// server of a ledger only: deliveries are not leased across servers.
func (m *Main) startReminders() (stop func(), err error) {
	c := m.Config
	offsets, err := reminders.ParseOffsets(c.ReminderOffsets)
	if err != nil {
		return nil, err
	}
	var chans []reminders.Channel
	if c.WebhookURL != "" {
		chans = append(chans, &webhook.Generic{URL: c.WebhookURL, Secret: []byte(c.WebhookSecret)})
	}
	if c.WeComWebhook != "" {
		chans = append(chans, &webhook.WeCom{URL: c.WeComWebhook})
	}
	if c.DingTalkWebhook != "" {
		chans = append(chans, &webhook.DingTalk{URL: c.DingTalkWebhook, Secret: c.DingTalkSecret})
	}
	d, err := reminders.New(reminders.Config{
		Outbox: m.ledger, Cases: reminders.StoreCases(m.ledger, m.cases.Lifecycle),
		People: reminders.StorePeople(m.ledger), Channels: chans, Offsets: offsets, Log: m.Log,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			m.Log.Error("reminders: stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}, nil
}
