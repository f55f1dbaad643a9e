package portal

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddrKey holds the request's client address (a netip.Addr) in its
// context, decided once by the middleware.
const clientAddrKey ctxKey = iota + 100

// maxForwardedHops bounds how many X-Forwarded-For entries are examined;
// a longer chain is a forgery or a loop.
const maxForwardedHops = 16

// peerAddress is the TCP peer's address, unmapped and without zone.
func peerAddress(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// clientAddress decides who the client is. Behind a TLS-terminating proxy
// every connection comes from the proxy, which would put all users behind
// one rate limit and one allow-list entry; so when the peer is one of
// trusted, X-Forwarded-For is read from the right (the entry the nearest
// proxy appended) and the first address that is not itself a trusted proxy
// is the client. Entries a client wrote itself stand further left and are
// never reached unless every proxy on the way is trusted. A malformed entry
// stops the walk at the last good hop. Without trusted proxies, or from an
// untrusted peer, the header is ignored: anyone can send it.
func clientAddress(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := peerAddress(r)
	if !ok || !inPrefixes(trusted, peer) {
		return peer, ok
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0 && len(hops)-i <= maxForwardedHops; i-- {
		ip, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		client = ip.Unmap().WithZone("")
		if !inPrefixes(trusted, client) {
			break
		}
	}
	return client, true
}

func inPrefixes(list []netip.Prefix, ip netip.Addr) bool {
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
