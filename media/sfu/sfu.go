// Package sfu is hearingroom's in-process selective forwarding unit on
// pion/webrtc v4: rooms, participants with one PeerConnection each, published
// tracks with their simulcast layers, and one down-track per subscriber that
// rewrites SSRC, payload type, sequence numbers and timestamps so a subscriber
// sees one continuous stream whichever layer it receives.
//
// A room may be recorded (SetRecording): the SFU then hands the packets of
// its tracks to a media.Recorder in process, as they arrive.
//
// The SFU knows nothing of signaling: each Participant reports what must be
// sent to its client through a Listener, declared here, that the signaling
// package implements.
package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
	"hearingroom/media/pionlog"
)

// Config sets the SFU's network. Zero values are usable in tests.
type Config struct {
	// UDPAddr is the one UDP address all ICE UDP traffic is muxed on, such as
	// ":7882". Empty means "127.0.0.1:0".
	UDPAddr string
	// TCPAddr is the ICE-TCP listen address, such as ":7881". Empty disables ICE-TCP.
	TCPAddr string
	// PublicIPs are advertised instead of the host's addresses (NAT 1:1).
	// Host names are resolved once at start.
	PublicIPs []string
	// LoopbackOnly restricts ICE to 127.0.0.1 on both sides: the server
	// advertises only loopback candidates and ignores any other remote
	// candidate. For tests and single-machine demos.
	LoopbackOnly bool
	// Observer, if set, is told who joins and leaves which room.
	Observer media.Observer
	// Recorder, if set, is offered the tracks of the rooms being recorded
	// (see SetRecording). Without it no room can be recorded.
	Recorder media.Recorder
}

// SFU owns the rooms and the shared network sockets.
type SFU struct {
	cfg    Config
	log    *slog.Logger
	api    *webrtc.API
	udp    *batchConn
	tcp    net.Listener
	udpMux ice.UDPMux
	tcpMux ice.TCPMux
	stats  counters

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
}

// New opens the SFU's sockets and builds its WebRTC API.
func New(cfg Config, log *slog.Logger) (*SFU, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &SFU{cfg: cfg, log: log, rooms: make(map[string]*Room)}
	if err := s.listen(); err != nil {
		return nil, err
	}
	api, err := s.newAPI()
	if err != nil {
		s.closeSockets()
		return nil, err
	}
	s.api = api
	return s, nil
}

func (s *SFU) listen() error {
	addr := s.cfg.UDPAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return fmt.Errorf("sfu: udp address %s: %w", addr, err)
	}
	udp, err := net.ListenUDP("udp4", ua)
	if err != nil {
		return fmt.Errorf("sfu: listen udp %s: %w", addr, err)
	}
	// Room for bursts (a keyframe to every subscriber at once). The kernel
	// caps these at net.core.rmem_max and wmem_max; see docs/configuration.md.
	_ = udp.SetReadBuffer(4 << 20)
	_ = udp.SetWriteBuffer(4 << 20)
	s.udp = newBatchConn(udp)
	logger := pionlog.Factory(s.log)
	s.udpMux = webrtc.NewICEUDPMux(logger.NewLogger("udpmux"), s.udp)
	if s.cfg.TCPAddr != "" {
		tcp, err := net.Listen("tcp4", s.cfg.TCPAddr)
		if err != nil {
			s.closeSockets()
			return fmt.Errorf("sfu: listen tcp %s: %w", s.cfg.TCPAddr, err)
		}
		s.tcp = tcp
		s.tcpMux = webrtc.NewICETCPMux(logger.NewLogger("tcpmux"), tcp, 32)
	}
	return nil
}

// UDPAddr returns the address the ICE UDP mux listens on.
func (s *SFU) UDPAddr() net.Addr { return s.udp.LocalAddr() }

// TCPAddr returns the ICE-TCP listen address, or nil when ICE-TCP is off.
func (s *SFU) TCPAddr() net.Addr {
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr()
}

// The codecs we forward. VP8 comes first so browsers prefer it.
var videoCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"}, PayloadType: 108},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"}, PayloadType: 112},
}

var audioCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
}

func (s *SFU) newAPI() (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range videoCodecs {
		c.RTCPFeedback = []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}}
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("sfu: register %s: %w", c.MimeType, err)
		}
	}
	for _, c := range audioCodecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("sfu: register %s: %w", c.MimeType, err)
		}
	}
	ir := &interceptor.Registry{}
	// A small per-down-track packet cache: 64 packets is about a second of
	// video at hearing bitrates, many round trips even on a township link,
	// and it is most of the SFU's memory per participant.
	if err := webrtc.ConfigureNackWithOptions(me, ir,
		[]nack.GeneratorOption{nack.GeneratorSize(512)}, nack.ResponderSize(64)); err != nil {
		return nil, fmt.Errorf("sfu: nack: %w", err)
	}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, fmt.Errorf("sfu: receiver reports: %w", err)
	}
	sr, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, fmt.Errorf("sfu: sender reports: %w", err)
	}
	ir.Add(rr)
	ir.Add(sr)
	if err := webrtc.ConfigureTWCCSender(me, ir); err != nil {
		return nil, fmt.Errorf("sfu: twcc: %w", err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return nil, fmt.Errorf("sfu: simulcast extensions: %w", err)
	}

	se := webrtc.SettingEngine{LoggerFactory: pionlog.Factory(s.log)}
	se.SetICEUDPMux(s.udpMux)
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	if s.tcpMux != nil {
		se.SetICETCPMux(s.tcpMux)
		types = append(types, webrtc.NetworkTypeTCP4)
	}
	se.SetNetworkTypes(types)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if s.cfg.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if len(s.cfg.PublicIPs) > 0 {
		ips, err := resolveAll(s.cfg.PublicIPs)
		if err != nil {
			return nil, err
		}
		se.SetNAT1To1IPs(ips, webrtc.ICECandidateTypeHost)
	}
	// Dead-peer detection at the media level: ICE consent fails after 15 s.
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

func resolveAll(hosts []string) ([]string, error) {
	var ips []string
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip.String())
			continue
		}
		addrs, err := net.LookupIP(h)
		if err != nil {
			return nil, fmt.Errorf("sfu: resolve public host %q: %w", h, err)
		}
		for _, a := range addrs {
			if a.To4() != nil {
				ips = append(ips, a.String())
				break
			}
		}
	}
	return ips, nil
}

// ErrClosed is returned by Join after Close.
var ErrClosed = errors.New("sfu: closed")

// Room returns the room with the given name, creating it if needed.
func (s *SFU) room(name string) (*Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r := s.rooms[name]
	if r == nil {
		r = newRoom(s, name)
		s.rooms[name] = r
	}
	return r, nil
}

// dropRoom forgets r if it is still the registered room of its name, empty
// and not recorded.
func (s *SFU) dropRoom(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.name] == r && r.idle() {
		delete(s.rooms, r.name)
	}
}

// Rooms returns the names of the rooms that have participants or are
// being recorded.
func (s *SFU) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.rooms))
	for n := range s.rooms {
		names = append(names, n)
	}
	return names
}

// Close ends every participant (with reason "shutdown") and closes the sockets.
func (s *SFU) Close() error {
	s.mu.Lock()
	s.closed = true
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		for _, p := range r.snapshot() {
			p.Close("shutdown")
		}
	}
	s.closeSockets()
	return nil
}

func (s *SFU) closeSockets() {
	if s.udpMux != nil {
		s.udpMux.Close()
	}
	if s.tcpMux != nil {
		s.tcpMux.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
}
