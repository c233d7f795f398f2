package sfu

// isVP8Keyframe reports whether an RTP payload starts a VP8 key frame
// (RFC 7741: start of partition 0, and the P bit of the payload header clear).
func isVP8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	x := p[0]&0x80 != 0
	s := p[0]&0x10 != 0
	pid := p[0] & 0x07
	if !s || pid != 0 {
		return false
	}
	i := 1
	if x {
		if len(p) < 2 {
			return false
		}
		ext := p[1]
		i++
		if ext&0x80 != 0 { // I: picture id
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // L: tl0picidx
			i++
		}
		if ext&0x30 != 0 { // T or K
			i++
		}
	}
	if len(p) <= i {
		return false
	}
	return p[i]&0x01 == 0
}

// isH264Keyframe reports whether an RTP payload carries an IDR slice or an SPS
// (single NAL, STAP-A, or the first fragment of an FU-A).
func isH264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch nal := p[0] & 0x1f; {
	case nal == 5 || nal == 7:
		return true
	case nal == 24: // STAP-A
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			i += 2
			if i >= len(p) {
				return false
			}
			if t := p[i] & 0x1f; t == 5 || t == 7 {
				return true
			}
			i += size
		}
	case nal == 28: // FU-A
		if len(p) < 2 {
			return false
		}
		start := p[1]&0x80 != 0
		t := p[1] & 0x1f
		return start && (t == 5 || t == 7)
	}
	return false
}
