package client

import (
	"hearingroom/media/pionlog"

	"fmt"
	"log/slog"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Payload types the client offers.
const (
	ptOpus = 111
	ptVP8  = 96
	ptH264 = 102
)

// NewAPI returns the webrtc.API a client uses when Options.API is nil:
// Opus, VP8 and H.264 with NACK, PLI, FIR and transport-cc feedback; the
// NACK and RTCP report interceptors; the simulcast header extensions (mid,
// rid, repaired rid); ICE on 127.0.0.1 only (loopback candidates included,
// mDNS off). pion's own logs go to log, one level down (nil: discarded).
// One API may be shared by many clients, which saves memory in the load
// generator.
//
// networks, if given, replaces the default UDP4 (for example TCP4 alone, to
// test ICE-TCP through a network that blocks UDP).
func NewAPI(log *slog.Logger, networks ...webrtc.NetworkType) (*webrtc.API, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &webrtc.MediaEngine{}
	videoFB := []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBNACK},
		{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
		{Type: webrtc.TypeRTCPFBTransportCC},
	}
	codecs := []struct {
		params webrtc.RTPCodecParameters
		kind   webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
				SDPFmtpLine:  "minptime=10;useinbandfec=1",
				RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}},
			},
			PayloadType: ptOpus,
		}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB,
			},
			PayloadType: ptVP8,
		}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeH264, ClockRate: 90000, RTCPFeedback: videoFB,
				SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			},
			PayloadType: ptH264,
		}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.params, c.kind); err != nil {
			return nil, fmt.Errorf("client: register %s: %w", c.params.MimeType, err)
		}
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, fmt.Errorf("client: simulcast extensions: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, reg); err != nil {
		return nil, fmt.Errorf("client: nack: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("client: rtcp reports: %w", err)
	}

	s := webrtc.SettingEngine{LoggerFactory: pionlog.Factory(log)}
	s.SetIncludeLoopbackCandidate(true)
	loopback := net.IPv4(127, 0, 0, 1)
	s.SetIPFilter(func(ip net.IP) bool { return ip.Equal(loopback) })
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if len(networks) == 0 {
		networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	}
	s.SetNetworkTypes(networks)

	return webrtc.NewAPI(
		webrtc.WithMediaEngine(m),
		webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(s),
	), nil
}
