package sfu

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
)

// maxBatch bounds the packets one sendmmsg carries.
const maxBatch = 64

// batchConn is the SFU's UDP socket. Outside a forwarding burst it writes
// each packet at once; while a forward loop holds it corked (from the first
// down-track write of a packet to the last), writes are queued and leave in
// one sendmmsg call when the last corker uncorks. One system call per
// incoming packet instead of one per subscriber is where an SFU's time goes
// (see docs/benchmarks.md).
//
// Reads use recvmmsg: one call returns every datagram already queued.
type batchConn struct {
	conn *net.UDPConn
	pc   *ipv4.PacketConn

	mu    sync.Mutex
	corks int
	n     int
	msgs  []ipv4.Message
	bufs  [][]byte
	addrs []net.UDPAddr

	rmu   sync.Mutex
	rmsgs []ipv4.Message
	rbufs [][]byte
	rnext int // next message of the last batch to hand out
	rn    int // messages in the last batch
}

func newBatchConn(c *net.UDPConn) *batchConn {
	b := &batchConn{conn: c, pc: ipv4.NewPacketConn(c),
		msgs: make([]ipv4.Message, maxBatch), bufs: make([][]byte, maxBatch), addrs: make([]net.UDPAddr, maxBatch),
		rmsgs: make([]ipv4.Message, maxBatch), rbufs: make([][]byte, maxBatch)}
	for i := range b.msgs {
		b.bufs[i] = make([]byte, 1500)
		b.addrs[i].IP = make(net.IP, 4)
		b.msgs[i].Buffers = [][]byte{nil}
		b.rbufs[i] = make([]byte, 1500)
		b.rmsgs[i].Buffers = [][]byte{b.rbufs[i]}
	}
	return b
}

// cork starts a burst: writes queue until the matching uncork.
func (b *batchConn) cork() {
	b.mu.Lock()
	b.corks++
	b.mu.Unlock()
}

// uncork ends a burst and, if it was the last, sends what was queued.
func (b *batchConn) uncork() {
	b.mu.Lock()
	b.corks--
	if b.corks == 0 && b.n > 0 {
		b.flushLocked()
	}
	b.mu.Unlock()
}

func (b *batchConn) flushLocked() {
	for sent := 0; sent < b.n; {
		k, err := b.pc.WriteBatch(b.msgs[sent:b.n], 0)
		if err != nil || k <= 0 {
			break // datagrams may be lost; the peers' NACKs and PLIs recover
		}
		sent += k
	}
	b.n = 0
}

// WriteToAddrPort implements ice.AddrPortReaderWriter, the path pion's UDP
// mux takes for every write.
func (b *batchConn) WriteToAddrPort(p []byte, ap netip.AddrPort) (int, error) {
	b.mu.Lock()
	if b.corks == 0 || len(p) > len(b.bufs[0]) || !ap.Addr().Is4() {
		b.mu.Unlock()
		return b.conn.WriteToUDPAddrPort(p, ap)
	}
	i := b.n
	n := copy(b.bufs[i], p)
	b.msgs[i].Buffers[0] = b.bufs[i][:n]
	a4 := ap.Addr().As4()
	copy(b.addrs[i].IP, a4[:])
	b.addrs[i].Port = int(ap.Port())
	b.msgs[i].Addr = &b.addrs[i]
	b.n++
	if b.n == maxBatch {
		b.flushLocked()
	}
	b.mu.Unlock()
	return n, nil
}

// ReadFromAddrPort implements ice.AddrPortReaderWriter. pion's mux reads
// from one goroutine; the lock only guards against misuse.
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	b.rmu.Lock()
	defer b.rmu.Unlock()
	for b.rnext >= b.rn {
		n, err := b.pc.ReadBatch(b.rmsgs, 0)
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		b.rnext, b.rn = 0, n
	}
	m := &b.rmsgs[b.rnext]
	b.rnext++
	n := copy(p, b.rbufs[b.rnext-1][:m.N])
	var ap netip.AddrPort
	if ua, ok := m.Addr.(*net.UDPAddr); ok {
		ap = ua.AddrPort()
	}
	return n, ap, nil
}

// ReadFrom, WriteTo and the rest implement net.PacketConn.
func (b *batchConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, ap, err := b.ReadFromAddrPort(p)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

func (b *batchConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok {
		return b.WriteToAddrPort(p, ua.AddrPort())
	}
	return b.conn.WriteTo(p, addr)
}

func (b *batchConn) Close() error                       { return b.conn.Close() }
func (b *batchConn) LocalAddr() net.Addr                { return b.conn.LocalAddr() }
func (b *batchConn) SetDeadline(t time.Time) error      { return b.conn.SetDeadline(t) }
func (b *batchConn) SetReadDeadline(t time.Time) error  { return b.conn.SetReadDeadline(t) }
func (b *batchConn) SetWriteDeadline(t time.Time) error { return b.conn.SetWriteDeadline(t) }
