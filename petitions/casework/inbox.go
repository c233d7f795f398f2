package casework

import (
	"context"

	"hearingroom/petitions"
)

// Inbox returns the signed-in person's reminders (the in-app list), newest
// first as the store keeps them, a page at a time.
func (s *Service) Inbox(ctx context.Context, a petitions.Actor, after string, limit int) ([]*petitions.InboxItem, error) {
	if a.ID == "" {
		return nil, petitions.Errorf(petitions.EUNAUTHORIZED, "Sign in first.")
	}
	items, err := s.store.Inbox(ctx, a.ID, after, limit)
	if items == nil && err == nil {
		items = []*petitions.InboxItem{}
	}
	return items, err
}

// MarkRead marks one of the signed-in person's reminders read.
func (s *Service) MarkRead(ctx context.Context, a petitions.Actor, id string) error {
	if a.ID == "" {
		return petitions.Errorf(petitions.EUNAUTHORIZED, "Sign in first.")
	}
	return s.store.MarkRead(ctx, a.ID, id)
}
