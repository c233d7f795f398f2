package client

import (
	"context"
	"fmt"
	"slices"
)

// Publish adds tracks to a joined session and offers them to the server:
// what a waiting participant's client does once admitted. Their media
// starts at once if StartMedia was called, otherwise at StartMedia. The
// server answers like any offer.
//
// Call it while the room is quiet (no track published or unpublished
// meanwhile): a server offer that crosses this one (glare) cannot be
// handled, because pion cannot roll a local offer back; it then shows as a
// TypeClientError event and the server waits for an answer in vain.
func (c *Client) Publish(ctx context.Context, specs ...TrackSpec) error {
	specs = slices.Clone(specs)
	for i := range specs {
		var err error
		if specs[i], err = specs[i].normalize(); err != nil {
			return err
		}
	}
	c.negMu.Lock()
	defer c.negMu.Unlock()
	c.mu.Lock()
	ended, from := c.ended, len(c.pubs)
	c.mu.Unlock()
	if ended {
		return ErrClosed
	}
	for _, spec := range specs {
		if err := c.addPublished(spec); err != nil {
			return err
		}
	}
	c.mu.Lock()
	added := slices.Clone(c.pubs[from:])
	c.mu.Unlock()
	sdp, err := c.offerLocked()
	if err != nil {
		return err
	}
	if err := c.configureSimulcast(sdp, added); err != nil {
		return err
	}
	if err := c.Send(ctx, Message{Type: TypeOffer, SDP: sdp}); err != nil {
		return err
	}
	c.startRTCPReaders(added)
	c.mu.Lock()
	if c.mediaStarted {
		c.runMediaLocked(added)
	}
	c.mu.Unlock()
	return nil
}

// offerLocked creates an offer and sets it as the local description; c.negMu is held.
func (c *Client) offerLocked() (string, error) {
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("client: create offer: %w", err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("client: set local offer: %w", err)
	}
	return offer.SDP, nil
}
