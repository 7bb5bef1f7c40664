// Package publicnet keeps connections whose target someone else chose (a
// webhook endpoint an account registered, the media URL of a post) on the
// public internet: never to this machine, its private network, link-local
// addresses (where clouds serve instance credentials) or other ranges that
// do not lead to the public internet.
package publicnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrNotPublic is in the chain of every refusal.
var ErrNotPublic = errors.New("not a public address")

// special are ranges that are neither loopback, private nor link-local but
// do not lead to the public internet either.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: an IPv4 address in disguise
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: likewise
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// Public reports whether ip is a public unicast address.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false // loopback, link-local, multicast and unspecified are not global unicast
	}
	for _, p := range special {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Control is a net.Dialer Control that refuses to connect to an address
// that is not public. It sees the address after name resolution, so a
// name that resolves (or is made to resolve, later) to a private address
// is refused as well.
func Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !Public(ip) {
		return fmt.Errorf("%s: %w", ip, ErrNotPublic)
	}
	return nil
}

// Transport returns an HTTP transport (http.DefaultTransport's settings)
// whose connections go to public addresses only.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: Control}
	t.DialContext = d.DialContext
	return t
}

// Lookup resolves a host name to its addresses (net.DefaultResolver's
// LookupNetIP for "ip", or a stand-in in tests).
type Lookup func(ctx context.Context, host string) ([]netip.Addr, error)

// CheckHost refuses, when it is registered, a target host that is not
// public: an address that is not, "localhost" and names under it, or a
// name that resolves to any address that is not. A name that does not
// resolve passes (it may later); Control checks again at every connection.
func CheckHost(ctx context.Context, host string, lookup Lookup) error {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if !Public(ip) {
			return fmt.Errorf("%s: %w", ip, ErrNotPublic)
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%s: %w", host, ErrNotPublic)
	}
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := lookup(ctx, host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if !Public(ip) {
			return fmt.Errorf("%s resolves to %s: %w", host, ip.Unmap(), ErrNotPublic)
		}
	}
	return nil
}
