// Package clocktest provides loopback time servers for tests of the clock
// check: an NTP server (RFC 5905 packets, written from the RFC's packet
// layout) and an HTTPS server whose Date header runs at a chosen offset. No
// test needs the real network.
package clocktest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Behaviour is how the fake NTP server answers.
type Behaviour int

// The behaviours of the fake NTP server.
const (
	// Answer with the server's time: system time plus the offset.
	Answer Behaviour = iota
	// Silent never answers: the client times out.
	Silent
	// Garbage answers with bytes that are no NTP packet.
	Garbage
	// KissOfDeath answers stratum 0 with the kiss code (RATE by default).
	KissOfDeath
	// WrongOrigin answers a packet that does not echo the request's
	// transmit time, as a spoofed or stale answer would.
	WrongOrigin
	// Unsynchronised answers with the leap indicator "alarm" (3).
	Unsynchronised
)

// NTPServer is a fake NTP server on 127.0.0.1.
type NTPServer struct {
	// Addr is "127.0.0.1:port", ready for an NTP client.
	Addr string

	conn *net.UDPConn

	mu        sync.Mutex
	offset    time.Duration
	behaviour Behaviour
	kissCode  string
	delay     time.Duration
	queries   int
}

// NewNTPServer starts a server whose clock is offset from the system's;
// it stops when the test ends.
func NewNTPServer(t testing.TB, offset time.Duration) *NTPServer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("fake NTP server: %v", err)
	}
	s := &NTPServer{Addr: conn.LocalAddr().String(), conn: conn, offset: offset, kissCode: "RATE"}
	done := make(chan struct{})
	go s.serve(done)
	t.Cleanup(func() { conn.Close(); <-done })
	return s
}

// Set changes how the server answers from the next query on.
func (s *NTPServer) Set(b Behaviour, offset time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour, s.offset = b, offset
}

// SetKissCode sets the four-letter code of KissOfDeath answers.
func (s *NTPServer) SetKissCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kissCode = code
}

// SetDelay holds every answer back by d, lengthening the round trip.
func (s *NTPServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Queries counts the requests received so far.
func (s *NTPServer) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *NTPServer) serve(done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 1024)
	for {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return // closed at cleanup
		}
		received := time.Now()
		s.mu.Lock()
		s.queries++
		b, offset, kiss, delay := s.behaviour, s.offset, s.kissCode, s.delay
		s.mu.Unlock()
		if n < packetSize || b == Silent {
			continue
		}
		time.Sleep(delay)
		reply := answer(buf[:n], b, kiss, received.Add(offset), time.Now().Add(offset))
		s.conn.WriteToUDP(reply, from)
	}
}

const packetSize = 48

// answer builds the server packet of RFC 5905 section 7.3 for a request:
// LI/VN/mode, stratum, poll, precision, root delay and dispersion, the
// reference id, then four 64-bit timestamps (reference, origin, receive,
// transmit).
func answer(req []byte, b Behaviour, kiss string, recv, xmit time.Time) []byte {
	if b == Garbage {
		return []byte("this is not an NTP packet at all, but has forty-eight+ bytes")
	}
	p := make([]byte, packetSize)
	version := req[0] >> 3 & 7
	leap := byte(0)
	if b == Unsynchronised {
		leap = 3
	}
	p[0] = leap<<6 | version<<3 | 4                // mode 4: server
	p[1] = 2                                       // stratum 2: synchronised to a stratum 1
	p[2] = 6                                       // poll 2^6 s
	p[3] = 0xec                                    // precision 2^-20 s
	binary.BigEndian.PutUint32(p[4:], 0x0000_0100) // root delay 1/256 s
	binary.BigEndian.PutUint32(p[8:], 0x0000_0100) // root dispersion
	copy(p[12:16], "LOCL")                         // reference id
	putTime(p[16:], xmit.Add(-16*time.Second))     // last set
	copy(p[24:32], req[40:48])                     // origin = client's transmit
	putTime(p[32:], recv)
	putTime(p[40:], xmit)
	switch b {
	case KissOfDeath:
		p[1] = 0
		copy(p[12:16], (kiss + "    ")[:4])
	case WrongOrigin:
		p[24] ^= 0xff
	}
	return p
}

// ntpEpoch is 1900-01-01, where NTP timestamps count from.
var ntpEpoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// putTime writes t as an NTP timestamp: 32 bits of seconds since 1900 (era
// 0 wraps in 2036), 32 bits of fraction.
func putTime(b []byte, t time.Time) {
	d := t.Sub(ntpEpoch)
	secs := uint64(d / time.Second)
	frac := uint64(d%time.Second) << 32 / uint64(time.Second)
	binary.BigEndian.PutUint64(b, secs<<32|frac)
}

// HTTPSServer is a fake HTTPS server whose Date header runs offset from
// the system clock.
type HTTPSServer struct {
	*httptest.Server

	mu     sync.Mutex
	offset time.Duration
	date   string // when set, sent verbatim instead of the computed date
	hits   int
}

// NewHTTPSServer starts the server; it stops when the test ends.
func NewHTTPSServer(t testing.TB, offset time.Duration) *HTTPSServer {
	t.Helper()
	s := &HTTPSServer{offset: offset}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	// Clients that refuse the test certificate are expected, not news.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *HTTPSServer) handle(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.hits++
	offset, date := s.offset, s.date
	s.mu.Unlock()
	if date == "" {
		date = time.Now().Add(offset).UTC().Format(http.TimeFormat)
	}
	// Go's server adds a Date of its own unless the handler sets it; an
	// explicit empty value (nil slice) suppresses it.
	if date == "-" {
		w.Header()["Date"] = nil
	} else {
		w.Header().Set("Date", date)
	}
	w.WriteHeader(http.StatusOK)
}

// SetDate makes the server send date verbatim as its Date header ("-" for
// none, "" to go back to the offset clock).
func (s *HTTPSServer) SetDate(date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.date = date
}

// Hits counts the requests served.
func (s *HTTPSServer) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// TLSConfig trusts this server's certificate and nothing else.
func (s *HTTPSServer) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// SetOffset moves the server's clock.
func (s *HTTPSServer) SetOffset(offset time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = offset
}
