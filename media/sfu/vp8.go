package sfu

// vp8Descriptor locates the fields of a VP8 payload descriptor (RFC 7741)
// that a forwarder keeps continuous across simulcast layers: the picture ID
// and TL0PICIDX. A receiver's frame-reference tracking stalls when they
// jump backwards at a layer switch, so down-tracks rewrite them.
type vp8Descriptor struct {
	picAt  int // offset of the picture ID, -1 if absent
	pic15  bool
	tl0At  int // offset of TL0PICIDX, -1 if absent
	picID  uint16
	tl0Idx uint8
}

// parseVP8 reports the descriptor's layout, or false for a payload too
// short to hold what it announces.
func parseVP8(p []byte) (vp8Descriptor, bool) {
	d := vp8Descriptor{picAt: -1, tl0At: -1}
	if len(p) < 1 || p[0]&0x80 == 0 {
		return d, len(p) > 0
	}
	if len(p) < 2 {
		return d, false
	}
	ext, i := p[1], 2
	if ext&0x80 != 0 { // I
		if len(p) <= i {
			return d, false
		}
		d.picAt = i
		if p[i]&0x80 != 0 {
			if len(p) <= i+1 {
				return d, false
			}
			d.pic15 = true
			d.picID = uint16(p[i]&0x7f)<<8 | uint16(p[i+1])
			i += 2
		} else {
			d.picID = uint16(p[i] & 0x7f)
			i++
		}
	}
	if ext&0x40 != 0 { // L
		if len(p) <= i {
			return d, false
		}
		d.tl0At = i
		d.tl0Idx = p[i]
	}
	return d, true
}

// vp8Rewriter keeps one down-track's picture IDs and TL0PICIDX continuous.
type vp8Rewriter struct {
	picOff, lastPic uint16
	tl0Off, lastTL0 uint8
	started         bool
	buf             [1500]byte
}

// splice sets the offsets so that d, the first packet of a new layer,
// follows the last one sent.
func (w *vp8Rewriter) splice(d vp8Descriptor) {
	if !w.started {
		return
	}
	w.picOff = w.lastPic + 1 - d.picID
	w.tl0Off = w.lastTL0 + 1 - d.tl0Idx
}

// rewrite returns the payload to send: p itself while no offset applies,
// else a patched copy in w's buffer.
func (w *vp8Rewriter) rewrite(p []byte, d vp8Descriptor) []byte {
	pic := d.picID + w.picOff
	tl0 := d.tl0Idx + w.tl0Off
	if d.pic15 {
		pic &= 0x7fff
	} else {
		pic &= 0x7f
	}
	if d.picAt >= 0 {
		w.lastPic = pic
	}
	if d.tl0At >= 0 {
		w.lastTL0 = tl0
	}
	w.started = true
	if (w.picOff == 0 || d.picAt < 0) && (w.tl0Off == 0 || d.tl0At < 0) || len(p) > len(w.buf) {
		return p
	}
	out := w.buf[:copy(w.buf[:], p)]
	if d.picAt >= 0 {
		if d.pic15 {
			out[d.picAt] = 0x80 | byte(pic>>8)
			out[d.picAt+1] = byte(pic)
		} else {
			out[d.picAt] = byte(pic)
		}
	}
	if d.tl0At >= 0 {
		out[d.tl0At] = tl0
	}
	return out
}
